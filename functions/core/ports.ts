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

/**
 * Options of a call the caller may need to abandon: the tick passes its deadline's signal, so a
 * call that hangs is given up before the Lambda is killed. Adapters bound every call by their
 * own timeouts as well; the signal only ends it sooner.
 */
export interface CallOptions {
  signal?: AbortSignal;
}

/** What a caller provides to start tracking a job. */
export interface NewTrackedJob {
  jobId: string;
  label: string | null;
  metadata: Record<string, string>;
  trackedAt: string;
  /** The job was created with the watcher's webhook URL (default false). */
  webhook?: boolean;
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
  dueJobs(now: string, pageSize: number, options?: CallOptions): AsyncIterable<TrackedJob[]>;
  /** Applies a check's decision. Throws `ConcurrentUpdateError` if the job changed since `job` was read. */
  applyUpdate(job: TrackedJob, update: JobUpdate, options?: CallOptions): Promise<TrackedJob>;
  /**
   * Takes the right to publish a job's owed notification until `leaseUntil`.
   * Throws `ConcurrentUpdateError` if another tick got there first.
   */
  claimOwedNotification(job: TrackedJob, leaseUntil: string, options?: CallOptions): Promise<TrackedJob>;
  /**
   * Records that the owed notification went out and stops watching the job.
   * Throws `ConcurrentUpdateError` if that notification is no longer owed.
   */
  settleOwedNotification(job: TrackedJob, receipt: NotificationReceipt, options?: CallOptions): Promise<void>;
  /**
   * Records the channels an owed notification reached when others failed, so the retry sends
   * only the rest. Throws `ConcurrentUpdateError` if that notification is no longer owed.
   */
  recordDeliveredChannels(
    job: TrackedJob,
    eventId: string,
    channels: NotificationChannel[],
    options?: CallOptions,
  ): Promise<void>;
}

/** One row of `GET /jobs`: served from the listing index, without the history. */
export interface JobSummary {
  jobId: string;
  status: JobStatus;
  label: string | null;
  trackedAt: string;
  /** Set once tracking was stopped (`DELETE /jobs/{jobId}`); the item is kept until its TTL. */
  untrackedAt: string | null;
}

/** What `GET /jobs?status=&limit=&cursor=` asks for. */
export interface JobListQuery {
  status?: JobStatus;
  /** 1 to 100. */
  limit: number;
  /** Opaque, from the previous page's `nextCursor`; null for the first page. */
  cursor: string | null;
}

/** One page of tracked jobs, newest first. */
export interface JobPage {
  jobs: JobSummary[];
  /** Null on the last page. */
  nextCursor: string | null;
}

/**
 * Listing and untracking for the HTTP API and the CLI. Every read is a Query on an index, never
 * a full-table scan per page.
 */
export interface JobCatalog {
  /**
   * One page, newest first. Throws `ValidationError` for a cursor this store did not issue
   * (tampered, or from another query).
   */
  listPage(query: JobListQuery): Promise<JobPage>;
  /**
   * Stops watching a job: it leaves the due index and expires after the retention period; its
   * history stays readable until then. Idempotent. Throws `JobNotTrackedError` if unknown.
   */
  untrack(jobId: string, at: string): Promise<TrackedJob>;
  /**
   * Takes the right to check a job now on a webhook's hint: succeeds (true) at most once per
   * `windowMs` per job, so a flood of callbacks costs at most one status request per window.
   * False when another hint took it within the window. Throws `JobNotTrackedError` if unknown.
   */
  claimHintCheck(jobId: string, now: string, windowMs: number): Promise<boolean>;
}

/** A submission recorded under its `Idempotency-Key`. */
export interface SubmissionRecord {
  idempotencyKey: string;
  /** Hash of the canonical request body: the same key with another body is a conflict. */
  requestHash: string;
  /** `in_progress` until CompanyEnrich answered; then `created` with the job id. */
  state: 'in_progress' | 'created';
  jobId: string | null;
  /** The response the first request got, replayed to retries (JSON). */
  response: Record<string, unknown> | null;
  /** While `in_progress`: after this, the reservation is considered abandoned (the caller died). */
  leaseUntil: string;
}

/**
 * Makes `POST /jobs/bulk` idempotent, in the jobs table (single-item conditional writes, so it
 * runs on AWS, moto and dynalite alike).
 */
export interface SubmissionStore {
  /**
   * Reserves `idempotencyKey` for this request. Returns null when this caller now holds it (go
   * ahead and create the job), or the record already there (replay, conflict, or in progress).
   */
  reserve(record: Omit<SubmissionRecord, 'state' | 'jobId' | 'response'>): Promise<SubmissionRecord | null>;
  /** Records the created job and the response to replay. */
  complete(idempotencyKey: string, jobId: string, response: Record<string, unknown>): Promise<void>;
  /** Gives the key up after creation failed, so a retry may try again. */
  release(idempotencyKey: string): Promise<void>;
}

/**
 * Finds a submission by the key it was reserved under: the webhook function knows only the
 * submission id in its URL (see `WebhookTokens`) and reads which job it became.
 */
export interface SubmissionLookup {
  /** The record reserved under `idempotencyKey`; null when there is none (never, released, expired). */
  find(idempotencyKey: string): Promise<SubmissionRecord | null>;
}

/** What CompanyEnrich answered to a bulk job creation. */
export interface CreatedJob {
  jobId: string;
  /** The published example omits it: not required. */
  status: string | null;
  /** Unique domains, as CompanyEnrich counted them. */
  totalDomains: number | null;
  estimatedCredits: number | null;
}

/** CompanyEnrich's `POST /companies/enrich/bulk`. */
export interface JobCreationApi {
  /**
   * Creates a bulk enrichment job. Never retried after the request may have reached the API (the
   * endpoint has no idempotency key of its own). Throws `JobCreationError`.
   */
  createJob(
    request: { domains: readonly string[]; webhookUrl: string | null },
    options: { signal: AbortSignal },
  ): Promise<CreatedJob>;
}

/**
 * The webhook URL given to CompanyEnrich for a submission, and its check: the token is an HMAC
 * of the submission id under a secret, compared in constant time. The URL names the submission,
 * not the job: the job id only exists once CompanyEnrich answered, after the URL was sent.
 */
export interface WebhookTokens {
  /** The full callback URL for `submissionId`; null when no webhook base URL is configured. */
  urlFor(submissionId: string): Promise<string | null>;
  /** True only for the token `urlFor` would have put in the URL. */
  verify(submissionId: string, token: string): Promise<boolean>;
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

/**
 * Delivers rendered notifications (SNS in AWS, the terminal in the local run), one channel at a
 * time. A tick has two: one for job notifications (the subscribers' channels) and one for
 * account-level alerts (the operator's channel and the events topic), so that which audience
 * hears about what is decided by the wiring, once, and not by each publish.
 */
export interface Notifier {
  /** The channels this notifier delivers to; a notification is done when all of them have it. */
  readonly channels: readonly NotificationChannel[];
  publish(
    notification: RenderedNotification,
    channel: NotificationChannel,
    options?: CallOptions,
  ): Promise<{ messageId: string }>;
}

/** Structured logging: fixed messages, context in the attributes. Satisfied by Powertools Logger. */
export interface Log {
  debug(message: string, ...attributes: Record<string, unknown>[]): void;
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}
