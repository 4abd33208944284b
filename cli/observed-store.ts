import type { JobUpdate } from '../functions/core/domain/check-decision.js';
import type { HistoryEntry, NotificationReceipt, TrackedJob } from '../functions/core/domain/job.js';
import type { JobStatus } from '../functions/core/domain/job-status.js';
import type { NotificationChannel } from '../functions/core/domain/notification-channel.js';
import type { CallOptions, JobStore, NewTrackedJob } from '../functions/core/ports.js';

/**
 * A store that reports every status change it records. The tick records a transition exactly
 * when its update appends a history entry, so watching the store's writes (rather than parsing
 * log lines) shows each transition once, after it is durable.
 */
export class TransitionReportingStore implements JobStore {
  constructor(
    private readonly inner: JobStore,
    private readonly onTransition: (job: TrackedJob, entry: HistoryEntry) => void,
  ) {}

  track(job: NewTrackedJob): Promise<TrackedJob> {
    return this.inner.track(job);
  }

  get(jobId: string): Promise<TrackedJob | null> {
    return this.inner.get(jobId);
  }

  list(filter?: { status?: JobStatus }): AsyncIterable<TrackedJob> {
    return this.inner.list(filter);
  }

  dueJobs(now: string, pageSize: number, options?: CallOptions): AsyncIterable<TrackedJob[]> {
    return this.inner.dueJobs(now, pageSize, options);
  }

  async applyUpdate(job: TrackedJob, update: JobUpdate, options?: CallOptions): Promise<TrackedJob> {
    const updated = await this.inner.applyUpdate(job, update, options);
    if (update.appendHistory) this.onTransition(updated, update.appendHistory);
    return updated;
  }

  claimOwedNotification(job: TrackedJob, leaseUntil: string, options?: CallOptions): Promise<TrackedJob> {
    return this.inner.claimOwedNotification(job, leaseUntil, options);
  }

  settleOwedNotification(
    job: TrackedJob,
    receipt: NotificationReceipt,
    options?: CallOptions,
  ): Promise<void> {
    return this.inner.settleOwedNotification(job, receipt, options);
  }

  recordDeliveredChannels(
    job: TrackedJob,
    eventId: string,
    channels: NotificationChannel[],
    options?: CallOptions,
  ): Promise<void> {
    return this.inner.recordDeliveredChannels(job, eventId, channels, options);
  }
}
