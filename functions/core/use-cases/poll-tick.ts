/**
 * One poll tick, as a sequence of steps. The parts live in `poll-tick/`: the API gate (probe,
 * halt), the tick deadline, checking one job, delivering owed notifications, the account-wide
 * state (incident, throttle, operator alerts) and the tick summary.
 */
import pMap from 'p-map';
import type { TrackedJob } from '../domain/job.js';
import { isTerminal } from '../domain/job-status.js';
import { isApiPaused, type WatcherState } from '../domain/watcher-state.js';
import { recordAccountOutcome, retryOwedAlert } from './poll-tick/account-state.js';
import { ApiGate } from './poll-tick/api-gate.js';
import { boundToSignal } from './poll-tick/bound-calls.js';
import { checkJob } from './poll-tick/check-job.js';
import { applyHeldVerdicts } from './poll-tick/held-verdicts.js';
import { deliverOwedNotification, notificationLeaseUntil } from './poll-tick/notification-delivery.js';
import type { PollTickDeps, PollTickRequest, TickContext } from './poll-tick/tick-context.js';
import { requestRate } from './poll-tick/request-rate.js';
import { TickDeadline } from './poll-tick/tick-deadline.js';
import { TickTally, type TickSummary } from './poll-tick/tick-summary.js';

export type { PollTickDeps, PollTickRequest, TickPolicy } from './poll-tick/tick-context.js';
export { TickIncompleteError, type TickSummary } from './poll-tick/tick-summary.js';

/**
 * Runs one poll tick: reads the jobs due at `now`, checks them with bounded concurrency,
 * records transitions with conditional writes, and publishes what is owed.
 *
 * @throws TickIncompleteError when the store or another dependency failed for some jobs; the
 *   summary is attached, and every job that failed is left due for the next tick.
 */
export async function runPollTick(deps: PollTickDeps, request: PollTickRequest): Promise<TickSummary> {
  const { log, clock, policy } = deps;
  const now = request.now.toISOString();
  const tally = new TickTally(now, log);
  const gate = new ApiGate();
  const deadline = new TickDeadline({
    deadline: request.deadline,
    signal: request.signal,
    clock,
    requestTimeoutMs: policy.requestTimeoutMs,
  });
  const context: TickContext = {
    // Every store and notifier call of the checks is abandoned at the deadline's hard stop.
    deps: boundToSignal(deps, deadline.signal),
    now,
    tally,
    gate,
    deadline,
    apiSignal: AbortSignal.any([deadline.signal, gate.signal]),
    heldVerdicts: [],
    rate: requestRate(policy.requestsPerSecond, clock, deps.sleep),
  };

  let state: WatcherState;
  try {
    state = await deps.watcherState.getWatcherState();
    state = await retryEarlierAlert(context, state);
    if (isApiPaused(state, now)) {
      gate.halt('throttled');
      log.info('API paused after an earlier 429', { throttled_until: state.throttledUntil });
    }
    await pMap(dueJobs(context), (job) => handleJob(context, job), { concurrency: policy.concurrency });
    // Only now is it known whether the 404s or 400s of this tick were systematic.
    await applyHeldVerdicts(context, state.accessIncident?.kind ?? null);
  } finally {
    // Also when the first read fails: a live timer or listener would keep the process waiting.
    deadline.dispose();
  }

  if (gate.halted) tally.summary.halted = gate.halted;
  try {
    await recordAccountOutcome(deps, state, gate, now, tally);
  } catch (error) {
    tally.recordInternal('Watcher state could not be updated', null, error);
  }
  return tally.finish();
}

/** Publishes an operator alert an earlier tick failed to send; a failure here must not stop the checks. */
async function retryEarlierAlert({ deps, tally }: TickContext, state: WatcherState): Promise<WatcherState> {
  try {
    return await retryOwedAlert(deps, state, tally);
  } catch (error) {
    tally.recordInternal('Owed operator alert could not be retried', null, error);
    return state;
  }
}

/**
 * The jobs due at the tick's time, page by page, until time runs out. Jobs not read are due
 * next tick; they are not counted as deferred. A failed read (the table did not answer in time)
 * ends the paging and fails the tick; the jobs it did not read stay due.
 *
 * Owed notifications come first. A tick that may not call the API (paused after a 429, or
 * halted when its probe was refused) reads only what it can still act on: the owed
 * notifications, not the whole due set every minute of a long incident.
 */
async function* dueJobs(context: TickContext): AsyncGenerator<TrackedJob> {
  const { deps, now, tally, deadline, gate } = context;
  const { pageSize } = deps.policy;
  // Annotated: `gate.halted` changes while the tick runs, so it must not be narrowed through this.
  const owedOnly: boolean = gate.halted !== null;
  const pages = owedOnly ? deps.jobs.dueNotifications(now, pageSize) : deps.jobs.dueJobs(now, pageSize);
  try {
    for await (const page of pages) {
      for (const job of page) {
        const stop = deadline.timeToStop();
        if (stop) {
          tally.summary.halted ??= stop;
          return;
        }
        if (gate.halted && !job.notificationOwed) tally.defer(gate.halted);
        else yield job;
      }
      // Halted by the probe: the owed partition was read first, so nothing after this page is owed.
      if (!owedOnly && gate.halted) return;
    }
  } catch (error) {
    tally.recordInternal('Due jobs could not be read; they stay due', null, error);
  }
}

/** Does what a due job needs: publish its owed notification, or check it. A failure leaves it due. */
async function handleJob(context: TickContext, job: TrackedJob): Promise<void> {
  const { deps, tally } = context;
  try {
    if (job.notificationOwed) {
      const leaseUntil = notificationLeaseUntil(deps.clock, deps.policy.notificationLeaseMs);
      await deliverOwedNotification(deps, tally, job, job.notificationOwed, leaseUntil);
    } else if (isTerminal(job.status)) {
      deps.log.warn('Terminal job without an owed notification was still due', { job_id: job.jobId });
    } else {
      await checkJob(context, job);
    }
  } catch (error) {
    tally.recordInternal('Job could not be processed; it stays due', job.jobId, error);
  }
}
