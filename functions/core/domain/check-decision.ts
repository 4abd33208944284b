import { addMs, backoffDelayMs, type CadencePolicy } from './cadence.js';
import { StatusApiErrorKind, type StatusApiError } from './errors.js';
import { etaCheckDelayMs, type ProgressObservation } from './eta-cadence.js';
import {
  countsOf,
  jobEventId,
  type Anomaly,
  type HistoryEntry,
  type JobSnapshot,
  type LastError,
  type OwedNotification,
  type TrackedJob,
} from './job.js';
import { compareProgress, isApiJobStatus, isTerminal, JobStatus } from './job-status.js';

/** Everything the decisions need besides the job and the answer. */
export interface DecisionPolicy extends CadencePolicy {
  /** Consecutive 404s after which a job ends as `not_found`. */
  notFoundLimit: number;
  /**
   * How long the writer of a terminal transition has to publish before another tick may
   * publish the owed notification instead. Longer than a tick can run, so only a crash or a
   * failed publish lets a second publisher in.
   */
  notificationLeaseMs: number;
  /** How long a finished job is kept before DynamoDB TTL removes it; null keeps it forever. */
  retentionMs: number | null;
}

/** What a check concluded, for logs, metrics and the tick summary. */
export const CheckVerdict = {
  /** The job moved forward; a history entry is recorded. */
  Transition: 'transition',
  /** Same status as before; only the snapshot and timings change. */
  Unchanged: 'unchanged',
  /** The API reported an earlier status than the one recorded: a stale answer, not recorded. */
  RegressionIgnored: 'regression_ignored',
  /** The API reported a status value nobody documented: kept as an anomaly, job keeps polling. */
  Anomaly: 'anomaly',
  /** The check failed in a way a later tick may fix. */
  RetryLater: 'retry_later',
} as const;

export type CheckVerdict = (typeof CheckVerdict)[keyof typeof CheckVerdict];

/**
 * The single write a check leads to. Fields left undefined are not touched; the store turns
 * this into one conditional UpdateItem guarded by the version the job was read at.
 */
export interface JobUpdate {
  status: JobStatus;
  lastCheckedAt: string;
  /** When the job is next due (for a terminal job: when its owed notification may be retried). */
  nextCheckAt: string;
  consecutiveErrors: number;
  consecutiveNotFound: number;
  lastError: LastError | null;
  snapshot?: JobSnapshot;
  appendHistory?: HistoryEntry;
  notificationOwed?: OwedNotification;
  anomaly?: Anomaly;
  /** Epoch seconds for DynamoDB TTL, set when the job becomes terminal. */
  expiresAt?: number;
}

export interface CheckDecision {
  verdict: CheckVerdict;
  update: JobUpdate;
}

/** The outcome of one status request, as the decisions see it. */
export type CheckResult = { ok: true; snapshot: JobSnapshot } | { ok: false; error: StatusApiError };

function ageMs(job: TrackedJob, now: string, latest: JobSnapshot | null): number {
  const since = latest?.created_at ?? job.snapshot?.created_at ?? job.trackedAt;
  const age = Date.parse(now) - Date.parse(since);
  return Number.isFinite(age) ? Math.max(age, 0) : 0;
}

/** A snapshot's progress as the ETA cadence reads it; done is null unless both counters are known. */
function progressOf(snapshot: JobSnapshot | null, at: string | null): ProgressObservation | null {
  if (!snapshot || at === null) return null;
  const { success_count: success, failed_count: failed } = snapshot;
  const done = success === null || failed === null ? null : success + failed;
  return { atMs: Date.parse(at), done, total: snapshot.total_domains };
}

function parsedOrNull(iso: string | null | undefined): number | null {
  const ms = iso ? Date.parse(iso) : Number.NaN;
  return Number.isFinite(ms) ? ms : null;
}

/**
 * When to check a healthy job next: the ETA cadence, fed from the answer just received and the
 * snapshot the previous check stored (no extra attributes are written for it). Without a fresh
 * answer (`latest` null) there is no progress to read and the age-based cadence applies.
 */
function healthyNextCheck(
  job: TrackedJob,
  status: JobStatus,
  now: string,
  policy: DecisionPolicy,
  latest: JobSnapshot | null = null,
): string {
  const delayMs = etaCheckDelayMs(
    {
      status,
      jobAgeMs: ageMs(job, now, latest),
      startedAtMs: parsedOrNull(latest?.started_at ?? job.snapshot?.started_at),
      latest: progressOf(latest, now) ?? { atMs: Date.parse(now), done: null, total: null },
      previous: progressOf(job.snapshot, job.lastCheckedAt),
      webhook: job.webhook,
    },
    policy,
  );
  return addMs(now, delayMs);
}

function terminalFields(
  job: TrackedJob,
  to: JobStatus,
  now: string,
  policy: DecisionPolicy,
  counts: HistoryEntry['counts'],
): Pick<JobUpdate, 'status' | 'appendHistory' | 'notificationOwed' | 'nextCheckAt' | 'expiresAt'> {
  return {
    status: to,
    appendHistory: { from: job.status, to, at: now, counts },
    notificationOwed: {
      eventId: jobEventId(job.jobId, to),
      status: to,
      previousStatus: job.status,
      detectedAt: now,
      deliveredChannels: [],
    },
    nextCheckAt: addMs(now, policy.notificationLeaseMs),
    ...(policy.retentionMs === null
      ? {}
      : { expiresAt: Math.floor((Date.parse(now) + policy.retentionMs) / 1000) }),
  };
}

/**
 * Decides what a successful status answer means for a job. Pure: no I/O, no clock.
 *
 * @param now - the tick's time (the scheduled event's `time`), ISO-8601.
 */
export function decideAfterAnswer(
  job: TrackedJob,
  snapshot: JobSnapshot,
  now: string,
  policy: DecisionPolicy,
): CheckDecision {
  const healthy = {
    lastCheckedAt: now,
    consecutiveErrors: 0,
    consecutiveNotFound: 0,
    lastError: null,
  };

  if (!isApiJobStatus(snapshot.status)) {
    return {
      verdict: CheckVerdict.Anomaly,
      update: {
        ...healthy,
        status: job.status,
        snapshot,
        nextCheckAt: healthyNextCheck(job, job.status, now, policy, snapshot),
        anomaly: { kind: 'unknown_status', value: snapshot.status, at: now },
      },
    };
  }

  const observed = snapshot.status;
  const progress = compareProgress(observed, job.status);
  if (progress < 0 || (progress === 0 && observed !== job.status)) {
    // A stale replica or a cache answered: keep what was recorded, including the snapshot.
    return {
      verdict: CheckVerdict.RegressionIgnored,
      update: { ...healthy, status: job.status, nextCheckAt: healthyNextCheck(job, job.status, now, policy) },
    };
  }
  if (progress === 0) {
    return {
      verdict: CheckVerdict.Unchanged,
      update: {
        ...healthy,
        status: job.status,
        snapshot,
        nextCheckAt: healthyNextCheck(job, job.status, now, policy, snapshot),
      },
    };
  }
  if (isTerminal(observed)) {
    return {
      verdict: CheckVerdict.Transition,
      update: { ...healthy, snapshot, ...terminalFields(job, observed, now, policy, countsOf(snapshot)) },
    };
  }
  return {
    verdict: CheckVerdict.Transition,
    update: {
      ...healthy,
      status: observed,
      snapshot,
      appendHistory: { from: job.status, to: observed, at: now, counts: countsOf(snapshot) },
      nextCheckAt: healthyNextCheck(job, observed, now, policy, snapshot),
    },
  };
}

/** What every decision after a failed request records: when it was checked and what went wrong. */
type ErrorRecord = Pick<JobUpdate, 'lastCheckedAt' | 'lastError'>;

/** The API has given up on the job (rejected it, or lost it for good): it ends without an answer. */
function endWithoutAnswer(
  job: TrackedJob,
  to: JobStatus,
  record: ErrorRecord,
  consecutiveNotFound: number,
  now: string,
  policy: DecisionPolicy,
): CheckDecision {
  return {
    verdict: CheckVerdict.Transition,
    update: {
      ...record,
      consecutiveErrors: 0,
      consecutiveNotFound,
      ...terminalFields(job, to, now, policy, countsOf(job.snapshot)),
    },
  };
}

/** The job keeps its status and is checked again at `nextCheckAt`, with the given error counters. */
function retryLater(
  job: TrackedJob,
  record: ErrorRecord,
  counters: Pick<JobUpdate, 'consecutiveErrors' | 'consecutiveNotFound'>,
  nextCheckAt: string,
): CheckDecision {
  return {
    verdict: CheckVerdict.RetryLater,
    update: { ...record, status: job.status, ...counters, nextCheckAt },
  };
}

/** A 404 may be a replica that has not seen the job yet: only `notFoundLimit` in a row end it. */
function afterNotFound(
  job: TrackedJob,
  record: ErrorRecord,
  now: string,
  policy: DecisionPolicy,
): CheckDecision {
  const consecutiveNotFound = job.consecutiveNotFound + 1;
  if (consecutiveNotFound >= policy.notFoundLimit) {
    return endWithoutAnswer(job, JobStatus.NotFound, record, consecutiveNotFound, now, policy);
  }
  const counters = { consecutiveErrors: job.consecutiveErrors, consecutiveNotFound };
  return retryLater(job, record, counters, addMs(now, policy.pollIntervalMs));
}

/**
 * A 400/422 ends the job only when the previous check, on an earlier tick, was rejected too: one
 * rejection may be a deploy or a gateway glitch. The first is recorded and asked again next interval.
 */
function afterRejected(
  job: TrackedJob,
  record: ErrorRecord,
  now: string,
  policy: DecisionPolicy,
): CheckDecision {
  const rejectedBefore = job.lastError?.kind === StatusApiErrorKind.Rejected;
  const onEarlierTick = job.lastError !== null && Date.parse(job.lastError.at) < Date.parse(now);
  if (rejectedBefore && onEarlierTick) {
    return endWithoutAnswer(job, JobStatus.Rejected, record, 0, now, policy);
  }
  return afterProblemOutsideTheJob(job, record, now, policy);
}

/**
 * Not the job's fault (the account, its key, the rate limit, or the tick cutting the request
 * short): the job waits one interval and no error is counted against it.
 */
function afterProblemOutsideTheJob(
  job: TrackedJob,
  record: ErrorRecord,
  now: string,
  policy: DecisionPolicy,
): CheckDecision {
  const counters = { consecutiveErrors: job.consecutiveErrors, consecutiveNotFound: job.consecutiveNotFound };
  return retryLater(job, record, counters, addMs(now, policy.pollIntervalMs));
}

/** Anything else may pass by itself: counted, and retried after a jittered exponential backoff. */
function afterTransientError(
  job: TrackedJob,
  record: ErrorRecord,
  now: string,
  policy: DecisionPolicy,
  random: () => number,
): CheckDecision {
  const consecutiveErrors = job.consecutiveErrors + 1;
  const counters = { consecutiveErrors, consecutiveNotFound: job.consecutiveNotFound };
  return retryLater(job, record, counters, addMs(now, backoffDelayMs(consecutiveErrors, policy, random)));
}

/**
 * Decides what a failed status request means for a job. Pure: randomness comes in as `random`.
 *
 * Account-wide problems (401, 402, 403, 429, the key unreadable) are the tick's business and normally never reach
 * here; if they do, the job simply waits one interval without counting an error against it.
 */
export function decideAfterError(
  job: TrackedJob,
  error: StatusApiError,
  now: string,
  policy: DecisionPolicy,
  random: () => number,
): CheckDecision {
  const record: ErrorRecord = {
    lastCheckedAt: now,
    lastError: { kind: error.kind, message: error.message, at: now },
  };

  switch (error.kind) {
    case StatusApiErrorKind.Rejected:
      return afterRejected(job, record, now, policy);
    case StatusApiErrorKind.NotFound:
      return afterNotFound(job, record, now, policy);
    case StatusApiErrorKind.Unauthorized:
    case StatusApiErrorKind.PaymentRequired:
    case StatusApiErrorKind.Forbidden:
    case StatusApiErrorKind.ApiKeyUnavailable:
    case StatusApiErrorKind.ApiKeyTransient:
    case StatusApiErrorKind.Throttled:
    case StatusApiErrorKind.Aborted:
      return afterProblemOutsideTheJob(job, record, now, policy);
    default:
      return afterTransientError(job, record, now, policy, random);
  }
}
