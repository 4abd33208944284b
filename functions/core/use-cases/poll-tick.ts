import pMap from 'p-map';
import { addMs } from '../domain/cadence.js';
import {
  CheckVerdict,
  decideAfterAnswer,
  decideAfterError,
  type CheckResult,
  type DecisionPolicy,
} from '../domain/check-decision.js';
import {
  ApiThrottledError,
  ConcurrentUpdateError,
  type AccessProblem,
  isAccessProblem,
  StatusApiError,
  StatusApiErrorKind,
  WatcherError,
} from '../domain/errors.js';
import type { HaltReason } from '../domain/halt-reason.js';
import type { OwedNotification, TrackedJob } from '../domain/job.js';
import { isTerminal } from '../domain/job-status.js';
import {
  renderJobNotification,
  renderWatcherAlert,
  type RenderedNotification,
} from '../domain/notification.js';
import type { NotificationChannel } from '../domain/notification-channel.js';
import {
  afterAccessDenied,
  afterApiAnswered,
  afterThrottle,
  fieldsOf,
  isAlertDue,
  isApiPaused,
  type WatcherState,
  type WatcherStateFields,
} from '../domain/watcher-state.js';
import type { Clock, JobStore, Log, Notifier, StatusApi, WatcherStateStore } from '../ports.js';

/** Tuning for one tick, from validated configuration. */
export interface TickPolicy extends DecisionPolicy {
  /** Status requests in flight at once. */
  concurrency: number;
  /** Due jobs read per DynamoDB query page. */
  pageSize: number;
  /** The longest one status request may take; no check starts unless this much time is left. */
  requestTimeoutMs: number;
}

export interface PollTickDeps {
  jobs: JobStore;
  watcherState: WatcherStateStore;
  statusApi: StatusApi;
  notifier: Notifier;
  log: Log;
  /** Real time, for the deadline; "now" for due-ness comes from the request. */
  clock: Clock;
  /** Floats in [0, 1) for backoff jitter. */
  random: () => number;
  policy: TickPolicy;
}

export interface PollTickRequest {
  /** The tick's time: the scheduled event's `time`, so a replayed event decides the same way. */
  now: Date;
  /** Real-clock instant by which the tick must have finished (the Lambda deadline); null: none. */
  deadline: Date | null;
  /** Aborts the tick from outside (Ctrl-C in the local run). */
  signal?: AbortSignal;
}

/** What one tick did; returned by the handler and turned into metrics. */
export interface TickSummary {
  now: string;
  /** Status requests sent. */
  checked: number;
  transitions: number;
  /** Job notifications published. */
  notified: number;
  /** Operator alerts published (incident opened or recovered). */
  alerts: number;
  unchanged: number;
  /**
   * Checked jobs by the status recorded after their check. Summed over five intervals this
   * approximates the watched jobs by status (no job waits longer than that between checks
   * unless it is backing off), at no extra read.
   */
  byStatus: Record<string, number>;
  regressionsIgnored: number;
  anomalies: number;
  /** Writes that lost a race to a concurrent tick (the other tick's outcome stands). */
  conflicts: number;
  /**
   * Due jobs this tick read but left for the next one (it halted or ran out of time). Jobs it
   * never read because it stopped paging are not counted.
   */
  deferred: number;
  /** Failures by kind: API error kinds, plus `publish_failed` and `internal`. */
  errors: Record<string, number>;
  halted: HaltReason | null;
}

/** The tick finished its work, but some of it failed for reasons that are not the API's. */
export class TickIncompleteError extends WatcherError {
  override name = 'TickIncompleteError';
  constructor(
    readonly summary: TickSummary,
    options?: ErrorOptions,
  ) {
    super(`Poll tick finished with ${summary.errors.internal ?? 0} internal error(s)`, options);
  }
}

/** Time kept back after the last check may start, to record its outcome and publish. */
const WRITE_RESERVE_MS = 2_000;
/** In-flight requests are aborted this long before the deadline so the tick can still return. */
const ABORT_RESERVE_MS = 1_000;

/**
 * Gates status requests for one tick. The first request goes alone, as a probe: if the key is
 * revoked, the account is out of credits or the API is throttling, exactly one request is sent
 * and the rest of the tick leaves the API alone.
 */
class ApiGate {
  halted: AccessProblem | 'throttled' | null = null;
  retryAfterMs: number | null = null;
  answered = false;
  private probe: Promise<void> | null = null;
  private settleProbe: (() => void) | null = null;
  readonly controller = new AbortController();

  /** Resolves true when a request may be sent now. */
  async admit(): Promise<boolean> {
    if (this.halted) return false;
    if (!this.probe) {
      this.probe = new Promise((resolve) => {
        this.settleProbe = resolve;
      });
      return true;
    }
    await this.probe;
    return this.isOpen();
  }

  /** A method, not an inline check, because `halted` changes while callers await the probe. */
  isOpen(): boolean {
    return this.halted === null;
  }

  /** Records a request's outcome; the first one releases the requests waiting behind the probe. */
  settle(outcome: 'answered' | AccessProblem | 'throttled' | 'inconclusive'): void {
    if (outcome === 'answered') this.answered = true;
    else if (outcome !== 'inconclusive' && !this.halted) {
      this.halted = outcome;
      this.controller.abort(new Error(`API halted: ${outcome}`));
    }
    this.settleProbe?.();
  }
}

/**
 * Runs one poll tick: reads the jobs due at `now`, checks them with bounded concurrency,
 * records transitions with conditional writes, and publishes what is owed.
 *
 * @throws TickIncompleteError when the store or another dependency failed for some jobs; the
 *   summary is attached, and every job that failed is left due for the next tick.
 */
export async function runPollTick(deps: PollTickDeps, request: PollTickRequest): Promise<TickSummary> {
  const { jobs, statusApi, log, clock, policy } = deps;
  const now = request.now.toISOString();
  const summary: TickSummary = {
    now,
    checked: 0,
    transitions: 0,
    notified: 0,
    alerts: 0,
    unchanged: 0,
    byStatus: {},
    regressionsIgnored: 0,
    anomalies: 0,
    conflicts: 0,
    deferred: 0,
    errors: {},
    halted: null,
  };
  const countError = (kind: string): void => {
    summary.errors[kind] = (summary.errors[kind] ?? 0) + 1;
  };
  let firstInternalError: unknown = null;
  const recordInternal = (message: string, jobId: string | null, error: unknown): void => {
    countError('internal');
    firstInternalError ??= error;
    log.error(message, { job_id: jobId, error });
  };

  const gate = new ApiGate();
  const tickAbort = new AbortController();
  const onExternalAbort = (): void => {
    tickAbort.abort(request.signal?.reason);
  };
  request.signal?.addEventListener('abort', onExternalAbort, { once: true });
  if (request.signal?.aborted) tickAbort.abort(request.signal.reason);
  const hardStopTimer =
    request.deadline === null
      ? null
      : setTimeout(
          () => {
            tickAbort.abort(new Error('Tick deadline reached'));
          },
          Math.max(request.deadline.getTime() - clock.now().getTime() - ABORT_RESERVE_MS, 0),
        );
  const apiSignal = AbortSignal.any([tickAbort.signal, gate.controller.signal]);

  const timeToStop = (): HaltReason | null => {
    if (tickAbort.signal.aborted) return request.signal?.aborted ? 'aborted' : 'deadline';
    if (
      request.deadline !== null &&
      request.deadline.getTime() - clock.now().getTime() < policy.requestTimeoutMs + WRITE_RESERVE_MS
    ) {
      return 'deadline';
    }
    return null;
  };

  async function deliver(job: TrackedJob, owed: OwedNotification): Promise<void> {
    const outcome = await publishToChannels(
      deps.notifier,
      renderJobNotification(job, owed),
      owed.deliveredChannels,
    );
    if (outcome.failures.length > 0) {
      // Still owed in the store: a later tick sends the missing channels once the lease runs out.
      countError('publish_failed');
      log.error('Notification publish failed; it stays owed', {
        job_id: job.jobId,
        event_id: owed.eventId,
        failed_channels: outcome.failures.map((failure) => failure.channel),
        error: outcome.failures[0]?.error,
      });
      if (outcome.delivered.length > owed.deliveredChannels.length) {
        try {
          await jobs.recordDeliveredChannels(job, owed.eventId, outcome.delivered);
        } catch (error) {
          if (!(error instanceof ConcurrentUpdateError)) throw error;
          log.warn('Owed notification was settled by another tick', {
            job_id: job.jobId,
            event_id: owed.eventId,
          });
        }
      }
      return;
    }
    summary.notified += 1;
    log.info('Notification published', {
      job_id: job.jobId,
      event_id: owed.eventId,
      message_ids: outcome.messageIds,
    });
    try {
      await jobs.settleOwedNotification(job, {
        eventId: owed.eventId,
        messageIds: outcome.messageIds,
        publishedAt: clock.now().toISOString(),
      });
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
      log.warn('Owed notification was settled by another tick', {
        job_id: job.jobId,
        event_id: owed.eventId,
      });
    }
  }

  async function deliverOwed(job: TrackedJob, owed: OwedNotification): Promise<void> {
    let claimed: TrackedJob;
    try {
      claimed = await jobs.claimOwedNotification(job, addMs(now, policy.notificationLeaseMs));
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
      summary.conflicts += 1;
      return;
    }
    log.info('Retrying owed notification', { job_id: job.jobId, event_id: owed.eventId });
    await deliver(claimed, owed);
  }

  async function check(job: TrackedJob): Promise<void> {
    const stop = timeToStop();
    if (stop || !(await gate.admit())) {
      summary.halted ??= stop ?? gate.halted;
      summary.deferred += 1;
      return;
    }
    // Re-checked after waiting for the probe: time may have run out meanwhile.
    if (timeToStop()) {
      gate.settle('inconclusive');
      summary.halted ??= timeToStop();
      summary.deferred += 1;
      return;
    }
    summary.checked += 1;
    let result: CheckResult;
    try {
      result = { ok: true, snapshot: await statusApi.getJobStatus(job.jobId, { signal: apiSignal }) };
      gate.settle('answered');
    } catch (error) {
      if (!(error instanceof StatusApiError)) {
        gate.settle('inconclusive');
        throw error;
      }
      result = { ok: false, error };
      const kind = error.kind;
      if (kind === StatusApiErrorKind.Aborted) {
        gate.settle('inconclusive');
        // Aborted because another request halted the tick, or the deadline came: not this job's fault.
        summary.checked -= 1;
        summary.deferred += 1;
        summary.halted ??= timeToStop() ?? gate.halted;
        return;
      }
      countError(kind);
      if (isAccessProblem(kind)) {
        gate.settle(kind);
        log.error('CompanyEnrich refused the account; stopping the tick', {
          job_id: job.jobId,
          error_kind: kind,
        });
        return;
      }
      if (error instanceof ApiThrottledError) {
        gate.retryAfterMs = error.retryAfterMs;
        gate.settle('throttled');
        log.warn('CompanyEnrich throttled the watcher; stopping the tick', {
          job_id: job.jobId,
          retry_after_ms: error.retryAfterMs,
        });
        return;
      }
      // Per-job errors still prove the account works (a 404 is an authorised answer).
      gate.settle(error.details.httpStatus === undefined ? 'inconclusive' : 'answered');
    }

    const decision = result.ok
      ? decideAfterAnswer(job, result.snapshot, now, policy)
      : decideAfterError(job, result.error, now, policy, deps.random);

    let updated: TrackedJob;
    try {
      updated = await jobs.applyUpdate(job, decision.update);
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
      summary.conflicts += 1;
      log.info('Job changed by a concurrent tick; its outcome stands', { job_id: job.jobId });
      return;
    }
    summary.byStatus[updated.status] = (summary.byStatus[updated.status] ?? 0) + 1;

    switch (decision.verdict) {
      case CheckVerdict.Transition:
        summary.transitions += 1;
        log.info('Job status changed', {
          job_id: job.jobId,
          from: job.status,
          to: updated.status,
          ...(result.ok ? {} : { error_kind: result.error.kind }),
        });
        break;
      case CheckVerdict.Unchanged:
        summary.unchanged += 1;
        break;
      case CheckVerdict.RegressionIgnored:
        summary.regressionsIgnored += 1;
        log.warn('Ignored a status that went backwards', {
          job_id: job.jobId,
          recorded: job.status,
          observed: result.ok ? result.snapshot.status : null,
        });
        break;
      case CheckVerdict.Anomaly:
        summary.anomalies += 1;
        countError('unknown_status');
        log.warn('CompanyEnrich reported an unknown status', {
          job_id: job.jobId,
          observed: result.ok ? result.snapshot.status : null,
        });
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

    if (decision.update.notificationOwed) await deliver(updated, decision.update.notificationOwed);
  }

  async function handle(job: TrackedJob): Promise<void> {
    try {
      if (job.notificationOwed) {
        await deliverOwed(job, job.notificationOwed);
      } else if (isTerminal(job.status)) {
        log.warn('Terminal job without an owed notification was still due', { job_id: job.jobId });
      } else {
        await check(job);
      }
    } catch (error) {
      recordInternal('Job could not be processed; it stays due', job.jobId, error);
    }
  }

  async function* dueJobs(): AsyncGenerator<TrackedJob> {
    for await (const page of jobs.dueJobs(now, policy.pageSize)) {
      for (const job of page) {
        const stop = timeToStop();
        if (stop) {
          summary.halted ??= stop;
          return;
        }
        yield job;
      }
    }
  }

  let state: WatcherState;
  try {
    state = await deps.watcherState.getWatcherState();
    try {
      state = await retryOwedAlert(deps, state, now, summary);
    } catch (error) {
      recordInternal('Owed operator alert could not be retried', null, error);
    }
    if (isApiPaused(state, now)) {
      gate.halted = 'throttled';
      log.info('API paused after an earlier 429', { throttled_until: state.throttledUntil });
    }
    await pMap(dueJobs(), handle, { concurrency: policy.concurrency });
  } finally {
    // Also when the first read fails: a live timer or listener would keep the process waiting.
    if (hardStopTimer) clearTimeout(hardStopTimer);
    request.signal?.removeEventListener('abort', onExternalAbort);
  }

  if (gate.halted) summary.halted = gate.halted;

  try {
    await recordAccountOutcome(deps, state, gate, now, summary);
  } catch (error) {
    recordInternal('Watcher state could not be updated', null, error);
  }

  log.info('Poll tick finished', { ...summary });
  if (summary.errors.internal) throw new TickIncompleteError(summary, { cause: firstInternalError });
  return summary;
}

/** Persists what the tick learnt about the account (incident, throttle) and sends alerts. */
async function recordAccountOutcome(
  deps: PollTickDeps,
  state: WatcherState,
  gate: ApiGate,
  now: string,
  summary: TickSummary,
): Promise<void> {
  const { policy } = deps;
  let next: WatcherStateFields | null = null;
  if (gate.halted && gate.halted !== 'throttled') {
    next = afterAccessDenied(state, gate.halted, now, policy.notificationLeaseMs);
  } else if (gate.halted === 'throttled' && !isApiPaused(state, now)) {
    next = afterThrottle(state, gate.retryAfterMs, now, policy, deps.random);
  } else if (gate.answered) {
    next = afterApiAnswered(state, now, policy.notificationLeaseMs);
  }
  if (!next) return;
  const recordsNewAlert = next.alertOwed !== null && next.alertOwed !== state.alertOwed;
  let saved: WatcherState;
  try {
    saved = await deps.watcherState.saveWatcherState(state, next);
  } catch (error) {
    if (!(error instanceof ConcurrentUpdateError)) throw error;
    deps.log.info('Watcher state changed by a concurrent tick; its outcome stands');
    return;
  }
  // This tick recorded the alert and holds its lease: publish it now.
  if (recordsNewAlert) await publishAlert(deps, saved, summary);
}

/**
 * Publishes an alert owed from an earlier tick once its lease has run out: claim it by moving
 * the lease forward (one conditional write, so concurrent ticks cannot both publish), then publish.
 */
async function retryOwedAlert(
  deps: PollTickDeps,
  state: WatcherState,
  now: string,
  summary: TickSummary,
): Promise<WatcherState> {
  const owed = state.alertOwed;
  if (!owed || !isAlertDue(state, now)) return state;
  let claimed: WatcherState;
  try {
    claimed = await deps.watcherState.saveWatcherState(state, {
      ...fieldsOf(state),
      alertOwed: { ...owed, retryAt: addMs(now, deps.policy.notificationLeaseMs) },
    });
  } catch (error) {
    if (!(error instanceof ConcurrentUpdateError)) throw error;
    return deps.watcherState.getWatcherState();
  }
  return publishAlert(deps, claimed, summary);
}

/** Publishes the owed alert of `state` (whose lease this tick holds), then clears it. */
async function publishAlert(
  deps: PollTickDeps,
  state: WatcherState,
  summary: TickSummary,
): Promise<WatcherState> {
  const owed = state.alertOwed;
  if (!owed) return state;
  const alert = renderWatcherAlert(owed.incident, owed.phase, owed.detectedAt);
  const outcome = await publishToChannels(deps.notifier, alert, owed.deliveredChannels);
  let next: WatcherStateFields;
  if (outcome.failures.length > 0) {
    // Still owed: a later tick sends the missing channels once the lease runs out.
    summary.errors.publish_failed = (summary.errors.publish_failed ?? 0) + 1;
    deps.log.error('Operator alert publish failed; it stays owed', {
      event_id: alert.eventId,
      failed_channels: outcome.failures.map((failure) => failure.channel),
      error: outcome.failures[0]?.error,
    });
    if (outcome.delivered.length === owed.deliveredChannels.length) return state;
    next = { ...fieldsOf(state), alertOwed: { ...owed, deliveredChannels: outcome.delivered } };
  } else {
    summary.alerts += 1;
    deps.log.warn('Operator alert published', { event_id: alert.eventId, event_type: alert.eventType });
    next = { ...fieldsOf(state), alertOwed: null };
  }
  try {
    return await deps.watcherState.saveWatcherState(state, next);
  } catch (error) {
    if (!(error instanceof ConcurrentUpdateError)) throw error;
    deps.log.info('Watcher state changed by a concurrent tick after an alert was published');
    return deps.watcherState.getWatcherState();
  }
}

/** What publishing one notification to every channel achieved. */
interface ChannelOutcome {
  /** Every channel that now has the notification, including those that had it before. */
  delivered: NotificationChannel[];
  messageIds: Partial<Record<NotificationChannel, string>>;
  failures: { channel: NotificationChannel; error: unknown }[];
}

/** Publishes to every channel that does not have the notification yet, in parallel. */
async function publishToChannels(
  notifier: Notifier,
  notification: RenderedNotification,
  alreadyDelivered: readonly NotificationChannel[],
): Promise<ChannelOutcome> {
  const pending = notifier.channels.filter((channel) => !alreadyDelivered.includes(channel));
  const results = await Promise.allSettled(pending.map((channel) => notifier.publish(notification, channel)));
  const outcome: ChannelOutcome = { delivered: [...alreadyDelivered], messageIds: {}, failures: [] };
  results.forEach((result, index) => {
    const channel = pending[index];
    if (channel === undefined) return;
    if (result.status === 'fulfilled') {
      outcome.delivered.push(channel);
      outcome.messageIds[channel] = result.value.messageId;
    } else {
      outcome.failures.push({ channel, error: result.reason });
    }
  });
  return outcome;
}
