/**
 * The polling strategies compared by the benchmark. (b) and (c) call the watcher's own cadence
 * functions, so the simulation measures the code that runs, not a copy of it.
 */
import { healthyCheckDelayMs, type CadencePolicy } from '../../functions/core/domain/cadence.js';
import { etaCheckDelayMs, type ProgressObservation } from '../../functions/core/domain/eta-cadence.js';
import { JobStatus } from '../../functions/core/domain/job-status.js';

/** What one status request showed, as a strategy sees it. */
export interface PollObservation {
  status: JobStatus;
  createdAtMs: number;
  startedAtMs: number | null;
  latest: ProgressObservation;
  /** The previous check's observation (the snapshot the watcher keeps), null on the first. */
  previous: ProgressObservation | null;
}

export interface PollingStrategy {
  readonly name: string;
  /**
   * The schedule's period when checks can only happen on its ticks (the watcher), or null when
   * a check happens exactly when it is due (a per-job Step Functions wait).
   */
  readonly tickMs: number | null;
  /** Milliseconds until the next check of a job still running; Infinity never checks again. */
  nextDelayMs(observation: PollObservation): number;
}

/** The watcher's default schedule: every minute, as in the stack's configuration. */
export const BENCH_POLICY: CadencePolicy = { pollIntervalMs: 60_000, maxBackoffMs: 30 * 60_000 };

const ageMs = (o: PollObservation): number => o.latest.atMs - o.createdAtMs;

/** (a) Every job on every tick: the lowest latency a schedule allows, at the most calls. */
export const everyInterval: PollingStrategy = {
  name: '(a) every interval',
  tickMs: BENCH_POLICY.pollIntervalMs,
  nextDelayMs: () => BENCH_POLICY.pollIntervalMs,
};

/** (b) The age-based cadence the watcher used before issue 9. */
export const ageCadence: PollingStrategy = {
  name: '(b) age-based cadence',
  tickMs: BENCH_POLICY.pollIntervalMs,
  nextDelayMs: (o) => healthyCheckDelayMs(o.status, ageMs(o), BENCH_POLICY),
};

/** (c) The ETA-aware cadence the check decision now uses. */
export const etaCadence: PollingStrategy = {
  name: '(c) ETA-aware cadence',
  tickMs: BENCH_POLICY.pollIntervalMs,
  nextDelayMs: (o) =>
    etaCheckDelayMs(
      {
        status: o.status,
        jobAgeMs: ageMs(o),
        startedAtMs: o.startedAtMs,
        latest: o.latest,
        previous: o.previous,
      },
      BENCH_POLICY,
    ),
};

/** (d) A Step Functions poller per job: a 30-second Wait state between checks, no schedule. */
export const stepFunctions30s: PollingStrategy = {
  name: '(d) Step Functions 30 s',
  tickMs: null,
  nextDelayMs: () => 30_000,
};

export const STRATEGIES: readonly PollingStrategy[] = [
  everyInterval,
  ageCadence,
  etaCadence,
  stepFunctions30s,
];
