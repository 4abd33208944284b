import {
  CheckVerdict,
  decideAfterAnswer,
  decideAfterError,
  type CheckDecision,
  type CheckResult,
} from '../../domain/check-decision.js';
import {
  ApiThrottledError,
  ConcurrentUpdateError,
  isAccessProblem,
  StatusApiError,
  StatusApiErrorKind,
} from '../../domain/errors.js';
import type { TrackedJob } from '../../domain/job.js';
import { systematicKindOf } from '../../domain/systematic-answers.js';
import { deliverNotification, withLeaseOnRealClock } from './notification-delivery.js';
import { UNLIMITED_RATE } from './request-rate.js';
import type { TickContext } from './tick-context.js';

/** A check whose answer has been turned into a decision, ready to be written. */
export interface DecidedCheck {
  job: TrackedJob;
  result: CheckResult;
  decision: CheckDecision;
}

/**
 * Checks one watched job: asks the API for its status (through the gate, while time is left),
 * turns the answer into one conditional write, and publishes the notification a terminal
 * transition makes owed. A job the tick cannot check is counted as deferred and stays due.
 *
 * A verdict that would end the job on a 404 or a 400/422 is held back until the end of the tick
 * (see `held-verdicts.ts`): only then is it known whether that answer was systematic.
 */
export async function checkJob(context: TickContext, job: TrackedJob): Promise<void> {
  const result = await requestStatus(context, job);
  if (!result) return;
  const { deps, now } = context;
  const decision = result.ok
    ? decideAfterAnswer(job, result.snapshot, now, deps.policy)
    : decideAfterError(job, result.error, now, deps.policy, deps.random);
  const check = { job, result, decision };
  if (decision.update.notificationOwed && systematicKindOf(result)) {
    context.heldVerdicts.push(check);
    return;
  }
  await recordCheck(context, check);
}

/** Writes a decided check (one conditional write), counts it, and publishes what it makes owed. */
export async function recordCheck(
  context: TickContext,
  { job, result, decision }: DecidedCheck,
): Promise<void> {
  const { deps, tally } = context;
  let updated: TrackedJob;
  try {
    updated = await deps.jobs.applyUpdate(
      job,
      withLeaseOnRealClock(decision.update, deps.clock, deps.policy.notificationLeaseMs),
    );
  } catch (error) {
    if (!(error instanceof ConcurrentUpdateError)) throw error;
    tally.summary.conflicts += 1;
    deps.log.info('Job changed by a concurrent tick; its outcome stands', { job_id: job.jobId });
    return;
  }
  tally.countStatus(updated.status);
  reportVerdict(context, { job, updated, result, decision });

  if (decision.update.notificationOwed) {
    await deliverNotification(deps, tally, updated, decision.update.notificationOwed);
  }
}

/**
 * Sends the job's status request, if the deadline and the gate allow it. Returns what the API
 * said about the job, or null when there is nothing to record for it: deferred, aborted, or an
 * account-wide refusal that halts the tick.
 */
async function requestStatus(context: TickContext, job: TrackedJob): Promise<CheckResult | null> {
  const { deps, tally, gate, deadline } = context;
  const stop = deadline.timeToStop();
  if (stop || !(await gate.admit())) {
    tally.defer(stop ?? gate.halted);
    return null;
  }
  // Paced to the API's allowed rate; a wait cut short by the deadline or a halt sends nothing.
  if (!(await (context.rate ?? UNLIMITED_RATE).take(context.apiSignal))) {
    gate.settle('inconclusive');
    tally.defer(deadline.timeToStop() ?? gate.halted);
    return null;
  }
  // Re-checked after waiting for the probe and a token: time may have run out meanwhile.
  if (deadline.timeToStop()) {
    gate.settle('inconclusive');
    tally.defer(deadline.timeToStop());
    return null;
  }
  tally.summary.checked += 1;
  try {
    const snapshot = await deps.statusApi.getJobStatus(job.jobId, { signal: context.apiSignal });
    const result: CheckResult = { ok: true, snapshot };
    gate.settleAnswer(result);
    return result;
  } catch (error) {
    return settleFailedRequest(context, job, error);
  }
}

/** Tells the gate what a failed request means for the account; returns what it means for the job. */
function settleFailedRequest(context: TickContext, job: TrackedJob, error: unknown): CheckResult | null {
  const { deps, tally, gate, deadline } = context;
  if (!(error instanceof StatusApiError)) {
    gate.settle('inconclusive');
    throw error;
  }
  const kind = error.kind;
  if (kind === StatusApiErrorKind.Aborted) {
    gate.settle('inconclusive');
    // Aborted because another request halted the tick, or the deadline came: not this job's fault.
    tally.summary.checked -= 1;
    tally.defer(deadline.timeToStop() ?? gate.halted);
    return null;
  }
  tally.countError(kind);
  if (kind === StatusApiErrorKind.ApiKeyTransient) {
    // No request was sent and nothing is known about the account: skip the tick, record nothing.
    gate.settle(kind);
    tally.summary.checked -= 1;
    tally.defer(gate.halted);
    deps.log.warn('The API key could not be read for now; skipping the tick', {
      job_id: job.jobId,
      error: error.cause,
    });
    return null;
  }
  if (isAccessProblem(kind)) {
    gate.settle(kind);
    deps.log.error('CompanyEnrich refused the account; stopping the tick', {
      job_id: job.jobId,
      error_kind: kind,
    });
    return null;
  }
  if (error instanceof ApiThrottledError) {
    gate.settleThrottled(error.retryAfterMs);
    deps.log.warn('CompanyEnrich throttled the watcher; stopping the tick', {
      job_id: job.jobId,
      retry_after_ms: error.retryAfterMs,
    });
    return null;
  }
  const result: CheckResult = { ok: false, error };
  gate.settleAnswer(result);
  return result;
}

/** A recorded check, as reported in the summary and the log. */
interface RecordedCheck {
  job: TrackedJob;
  updated: TrackedJob;
  result: CheckResult;
  decision: CheckDecision;
}

/** Counts and logs what a recorded check concluded. */
function reportVerdict({ deps: { log }, tally }: TickContext, check: RecordedCheck): void {
  const { job, updated, result, decision } = check;
  const observed = result.ok ? result.snapshot.status : null;
  switch (decision.verdict) {
    case CheckVerdict.Transition:
      tally.summary.transitions += 1;
      log.info('Job status changed', {
        job_id: job.jobId,
        from: job.status,
        to: updated.status,
        ...(result.ok ? {} : { error_kind: result.error.kind }),
      });
      break;
    case CheckVerdict.Unchanged:
      tally.summary.unchanged += 1;
      break;
    case CheckVerdict.RegressionIgnored:
      tally.summary.regressionsIgnored += 1;
      log.warn('Ignored a status that went backwards', { job_id: job.jobId, recorded: job.status, observed });
      break;
    case CheckVerdict.Anomaly:
      tally.summary.anomalies += 1;
      tally.countError('unknown_status');
      log.warn('CompanyEnrich reported an unknown status', { job_id: job.jobId, observed });
      break;
    case CheckVerdict.RetryLater:
      log.warn('Status check failed; will retry', {
        job_id: job.jobId,
        error_kind: result.ok ? null : result.error.kind,
        http_status: result.ok ? null : (result.error.details.httpStatus ?? null),
        consecutive_errors: decision.update.consecutiveErrors,
        next_check_at: decision.update.nextCheckAt,
      });
      break;
  }
}
