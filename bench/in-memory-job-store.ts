/**
 * Bench-only: the {@link JobStore} and {@link WatcherStateStore} ports in memory, covering what a
 * poll tick uses, so the tick's throughput can be measured without a database emulator in the way
 * (issue 9 section 2 asks for the ratio against an in-memory store as well as dynalite).
 *
 * Same contract as the DynamoDB adapter where a tick can tell: conditional writes on the version,
 * owed notifications first in `dueJobs`, each part earliest first, pages of `pageSize`, copies in
 * and out (a caller's object is never the stored one). Not for production: no persistence.
 */
import type { JobUpdate } from '../functions/core/domain/check-decision.js';
import { ConcurrentUpdateError, JobAlreadyTrackedError } from '../functions/core/domain/errors.js';
import { historyWith, type NotificationReceipt, type TrackedJob } from '../functions/core/domain/job.js';
import { JobStatus } from '../functions/core/domain/job-status.js';
import { MAX_ANOMALIES_KEPT, MAX_HISTORY_KEPT } from '../functions/core/domain/limits.js';
import {
  INITIAL_WATCHER_STATE,
  type WatcherState,
  type WatcherStateFields,
} from '../functions/core/domain/watcher-state.js';
import type {
  JobStore,
  NewTrackedJob,
  OwedNotificationRelease,
  WatcherStateStore,
} from '../functions/core/ports.js';

/** The condition a rejected write names, as the DynamoDB adapter's errors do. */
const VERSION_UNCHANGED = 'version unchanged';
const STILL_OWED = 'notification still owed';

export class InMemoryJobStore implements JobStore {
  private readonly jobs = new Map<string, TrackedJob>();

  track(job: NewTrackedJob): Promise<TrackedJob> {
    if (this.jobs.has(job.jobId)) return Promise.reject(new JobAlreadyTrackedError(job.jobId));
    const tracked: TrackedJob = {
      ...{ jobId: job.jobId, status: JobStatus.Pending, label: job.label, metadata: { ...job.metadata } },
      ...{ trackedAt: job.trackedAt, lastCheckedAt: null, nextCheckAt: job.trackedAt },
      ...{ consecutiveErrors: 0, consecutiveNotFound: 0, lastError: null, snapshot: null },
      ...{ history: [], historyTrimmed: 0, notificationOwed: null, lastNotification: null },
      ...{ anomalyCount: 0, anomalies: [], untrackedAt: null, webhook: job.webhook ?? false, version: 1 },
    };
    this.jobs.set(job.jobId, tracked);
    return Promise.resolve(structuredClone(tracked));
  }

  get(jobId: string): Promise<TrackedJob | null> {
    const job = this.jobs.get(jobId);
    return Promise.resolve(job ? structuredClone(job) : null);
  }

  async *list(filter: { status?: JobStatus } = {}): AsyncIterable<TrackedJob> {
    for (const job of [...this.jobs.values()]) {
      await Promise.resolve(); // A read is asynchronous on every real store.
      if (!filter.status || job.status === filter.status) yield structuredClone(job);
    }
  }

  async *dueJobs(now: string, pageSize: number): AsyncIterable<TrackedJob[]> {
    yield* this.dueIn(true, now, pageSize);
    yield* this.dueIn(false, now, pageSize);
  }

  async *dueNotifications(now: string, pageSize: number): AsyncIterable<TrackedJob[]> {
    yield* this.dueIn(true, now, pageSize);
  }

  applyUpdate(job: TrackedJob, update: JobUpdate): Promise<TrackedJob> {
    return later(() => this.applied(job, update));
  }

  private applied(job: TrackedJob, update: JobUpdate): TrackedJob {
    const stored = this.current(job.jobId, (it) => it.version === job.version, VERSION_UNCHANGED);
    const notificationOwed = update.notificationOwed ?? stored.notificationOwed;
    const leavesIndex = stored.untrackedAt !== null && !notificationOwed;
    const next: TrackedJob = {
      ...stored,
      status: update.status,
      lastCheckedAt: update.lastCheckedAt,
      consecutiveErrors: update.consecutiveErrors,
      consecutiveNotFound: update.consecutiveNotFound,
      lastError: update.lastError,
      nextCheckAt: leavesIndex ? null : update.nextCheckAt,
      snapshot: update.snapshot ?? stored.snapshot,
      notificationOwed,
      ...(update.appendHistory ? historyWith(stored, update.appendHistory, MAX_HISTORY_KEPT) : {}),
      ...(update.anomaly
        ? {
            anomalies: [...stored.anomalies, update.anomaly].slice(-MAX_ANOMALIES_KEPT),
            anomalyCount: stored.anomalyCount + 1,
          }
        : {}),
      version: stored.version + 1,
    };
    return this.replace(next);
  }

  claimOwedNotification(job: TrackedJob, leaseUntil: string): Promise<TrackedJob> {
    return later(() => {
      const stored = this.current(job.jobId, (it) => it.version === job.version && owes(it, job), STILL_OWED);
      return this.replace({ ...stored, nextCheckAt: leaseUntil, version: stored.version + 1 });
    });
  }

  async settleOwedNotification(job: TrackedJob, receipt: NotificationReceipt): Promise<void> {
    await later(() => {
      const stored = this.current(
        job.jobId,
        (it) => it.notificationOwed?.eventId === receipt.eventId,
        STILL_OWED,
      );
      const settled = { notificationOwed: null, lastNotification: receipt, nextCheckAt: null };
      return this.replace({ ...stored, ...settled, version: stored.version + 1 });
    });
  }

  async releaseOwedNotification(job: TrackedJob, release: OwedNotificationRelease): Promise<void> {
    await later(() => this.released(job, release));
  }

  private released(job: TrackedJob, release: OwedNotificationRelease): TrackedJob {
    const stored = this.current(
      job.jobId,
      (it) => it.version === job.version && it.notificationOwed?.eventId === release.eventId,
      STILL_OWED,
    );
    const owed = stored.notificationOwed && {
      ...stored.notificationOwed,
      deliveredChannels: release.deliveredChannels,
    };
    return this.replace({
      ...stored,
      notificationOwed: owed,
      nextCheckAt: release.dueAt,
      version: stored.version + 1,
    });
  }

  /** One part of the due jobs, earliest first, in pages: sorted when asked, as an index query would be. */
  private async *dueIn(owed: boolean, now: string, pageSize: number): AsyncIterable<TrackedJob[]> {
    const due = [...this.jobs.values()]
      .filter(
        (job) =>
          job.nextCheckAt !== null && job.nextCheckAt <= now && (job.notificationOwed !== null) === owed,
      )
      .map((job) => ({ jobId: job.jobId, at: job.nextCheckAt ?? '' }))
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    for (let start = 0; start < due.length; start += pageSize) {
      // A page read is asynchronous on every real store: other checks run meanwhile.
      await Promise.resolve();
      const page = due.slice(start, start + pageSize).flatMap(({ jobId }) => {
        const job = this.jobs.get(jobId);
        return job ? [structuredClone(job)] : [];
      });
      if (page.length > 0) yield page;
    }
  }

  private current(jobId: string, holds: (stored: TrackedJob) => boolean, condition: string): TrackedJob {
    const stored = this.jobs.get(jobId);
    if (!stored || !holds(stored)) throw new ConcurrentUpdateError(jobId, condition);
    return stored;
  }

  private replace(next: TrackedJob): TrackedJob {
    this.jobs.set(next.jobId, next);
    return structuredClone(next);
  }
}

/** Runs `write` on a later microtask, a refusal as a rejection: writes are asynchronous on every real store. */
function later<T>(write: () => T): Promise<T> {
  return Promise.resolve().then(write);
}

function owes(stored: TrackedJob, job: TrackedJob): boolean {
  return (
    stored.notificationOwed !== null && stored.notificationOwed.eventId === job.notificationOwed?.eventId
  );
}

/** The watcher's state item in memory, replaced whole under its version as the DynamoDB adapter does. */
export class InMemoryWatcherStateStore implements WatcherStateStore {
  private state: WatcherState = INITIAL_WATCHER_STATE;

  getWatcherState(): Promise<WatcherState> {
    return Promise.resolve(this.state);
  }

  saveWatcherState(current: WatcherState, next: WatcherStateFields): Promise<WatcherState> {
    if (current.version !== this.state.version) {
      return Promise.reject(new ConcurrentUpdateError('watcher-state', VERSION_UNCHANGED));
    }
    this.state = { ...next, version: current.version + 1 };
    return Promise.resolve(this.state);
  }
}
