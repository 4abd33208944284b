import type { DecisionPolicy } from '../../domain/check-decision.js';
import type { Clock, JobStore, Log, Notifier, StatusApi, WatcherStateStore } from '../../ports.js';
import type { ApiGate } from './api-gate.js';
import type { RequestRate, Sleep } from './request-rate.js';
import type { DecidedCheck } from './check-job.js';
import type { TickDeadline } from './tick-deadline.js';
import type { TickTally } from './tick-summary.js';

/** Tuning for one tick, from validated configuration. */
export interface TickPolicy extends DecisionPolicy {
  /** Status requests in flight at once. */
  concurrency: number;
  /** Due jobs read per DynamoDB query page. */
  pageSize: number;
  /** The longest one status request may take; no check starts unless this much time is left. */
  requestTimeoutMs: number;
  /** The cap on status requests per second (token bucket); null or absent: no cap. */
  requestsPerSecond?: number | null;
}

export interface PollTickDeps {
  jobs: JobStore;
  watcherState: WatcherStateStore;
  statusApi: StatusApi;
  /** Job notifications: the job subscribers' channels (events, email, SMS). */
  notifier: Notifier;
  /** Account-level alerts (incident opened, recovered): the operator and events channels, never email or SMS. */
  alertNotifier: Notifier;
  log: Log;
  /** Real time, for the deadline; "now" for due-ness comes from the request. */
  clock: Clock;
  /** Floats in [0, 1) for backoff jitter. */
  random: () => number;
  policy: TickPolicy;
  /** Waits for the rate cap; real time unless a test counts instead. */
  sleep?: Sleep;
}

export interface PollTickRequest {
  /** The tick's time: the scheduled event's `time`, so a replayed event decides the same way. */
  now: Date;
  /** Real-clock instant by which the tick must have finished (the Lambda deadline); null: none. */
  deadline: Date | null;
  /** Aborts the tick from outside (Ctrl-C in the local run). */
  signal?: AbortSignal;
}

/** What the steps of one tick share: its dependencies, its time, and the state it builds up. */
export interface TickContext {
  deps: PollTickDeps;
  /** The tick's time, ISO-8601. */
  now: string;
  tally: TickTally;
  gate: ApiGate;
  deadline: TickDeadline;
  /** Aborted when the gate halts or the deadline's hard stop comes. */
  apiSignal: AbortSignal;
  /** Verdicts ending a job on a 404 or a 400/422, written (or not) once the tick knows if they were systematic. */
  heldVerdicts: DecidedCheck[];
  /** Paces status requests to `policy.requestsPerSecond`; absent: no cap (a webhook hint's single check). */
  rate?: RequestRate;
}
