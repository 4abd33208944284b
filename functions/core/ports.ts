/**
 * The side effects the use cases need, each behind a small interface with one production
 * adapter. Tests inject emulator-backed adapters or fakes; the Lambda and the CLI wire defaults.
 */
import type { JobUpdate } from './domain/check-decision.js';
import type { JobSnapshot, NotificationReceipt, TrackedJob } from './domain/job.js';
import type { JobStatus } from './domain/job-status.js';
import type { RenderedNotification } from './domain/notification.js';
import type { NotificationChannel } from './domain/notification-channel.js';
import type { WatcherState, WatcherStateFields } from './domain/watcher-state.js';

/** Wall-clock time. Injected so tests and replays control it. */
export interface Clock {
  now(): Date;
}

/** What a caller provides to start tracking a job. */
export interface NewTrackedJob {
  jobId: string;
  label: string | null;
  metadata: Record<string, string>;
  trackedAt: string;
}

/** Where tracked jobs live. Every mutation is a single conditional write. */
export interface JobStore {
  /** Starts tracking. Throws `JobAlreadyTrackedError` if the job is tracked already. */
  track(job: NewTrackedJob): Promise<TrackedJob>;
  get(jobId: string): Promise<TrackedJob | null>;
  /** Every tracked job (optionally of one status). For people and tools, not the hot path. */
  list(filter?: { status?: JobStatus }): AsyncIterable<TrackedJob>;
  /**
   * Jobs due at `now` (checks and owed notifications), earliest first, page by page. Costs in
   * proportion to the jobs still being watched, never to every job ever tracked.
   */
  dueJobs(now: string, pageSize: number): AsyncIterable<TrackedJob[]>;
  /** Applies a check's decision. Throws `ConcurrentUpdateError` if the job changed since `job` was read. */
  applyUpdate(job: TrackedJob, update: JobUpdate): Promise<TrackedJob>;
  /**
   * Takes the right to publish a job's owed notification until `leaseUntil`.
   * Throws `ConcurrentUpdateError` if another tick got there first.
   */
  claimOwedNotification(job: TrackedJob, leaseUntil: string): Promise<TrackedJob>;
  /**
   * Records that the owed notification went out and stops watching the job.
   * Throws `ConcurrentUpdateError` if that notification is no longer owed.
   */
  settleOwedNotification(job: TrackedJob, receipt: NotificationReceipt): Promise<void>;
  /**
   * Records the channels an owed notification reached when others failed, so the retry sends
   * only the rest. Throws `ConcurrentUpdateError` if that notification is no longer owed.
   */
  recordDeliveredChannels(job: TrackedJob, eventId: string, channels: NotificationChannel[]): Promise<void>;
}

/** The account-wide watcher state (incidents, API pause). */
export interface WatcherStateStore {
  getWatcherState(): Promise<WatcherState>;
  /** Throws `ConcurrentUpdateError` if the state changed since `current` was read. */
  saveWatcherState(current: WatcherState, next: WatcherStateFields): Promise<WatcherState>;
}

/** CompanyEnrich's bulk job status endpoint. */
export interface StatusApi {
  /**
   * Fetches and validates one job's status. Throws `StatusApiError` (never anything carrying the
   * API key) when no usable document came back.
   */
  getJobStatus(jobId: string, options: { signal: AbortSignal }): Promise<JobSnapshot>;
}

/** Delivers rendered notifications (SNS in AWS, the terminal in the local run), one channel at a time. */
export interface Notifier {
  /** The channels this notifier delivers to; a notification is done when all of them have it. */
  readonly channels: readonly NotificationChannel[];
  publish(notification: RenderedNotification, channel: NotificationChannel): Promise<{ messageId: string }>;
}

/** Structured logging: fixed messages, context in the attributes. Satisfied by Powertools Logger. */
export interface Log {
  debug(message: string, ...attributes: Record<string, unknown>[]): void;
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}
