/**
 * What the HTTP API, the webhook function and the CLI ask of the core, as two small interfaces.
 * The entry points (functions/api, functions/webhook, cli/) depend on these; the use cases in
 * `use-cases/` implement them over the ports, and tests can drive either side.
 */
import type { TrackedJob } from './domain/job.js';
import type { JobListQuery, JobPage } from './ports.js';

/** `POST /jobs` and `enrich-job-watch track`. */
export interface TrackCommand {
  jobId: string;
  label?: string | null;
  metadata?: Record<string, string>;
}

/** `POST /jobs/bulk` and `enrich-job-watch submit`. */
export interface SubmitCommand {
  /** As the caller sent them: validated (1 to 10,000 syntactically valid domains), deduplicated. */
  domains: readonly string[];
  label?: string | null;
  metadata?: Record<string, string>;
  /** The `Idempotency-Key` header; null: not idempotent (each call creates a job). */
  idempotencyKey: string | null;
}

/** What a submit achieved. */
export interface SubmitResult {
  /** `replayed`: a retry with the same key and body, answered with the first job. */
  outcome: 'created' | 'replayed';
  jobId: string;
  /** The domains sent to CompanyEnrich, after removing duplicates. */
  domainCount: number;
  /** Duplicates removed (each listed once, as normalised). */
  duplicatesRemoved: string[];
  /**
   * `failed`: CompanyEnrich created the job but it could not be tracked; the job id is still
   * returned, the failure is logged and counted, and a retry with the same key tracks it.
   */
  tracking: 'tracked' | 'failed';
  /** The tracked job; null when tracking failed. */
  job: TrackedJob | null;
}

export type TrackResult = { outcome: 'tracked' | 'already_tracked'; job: TrackedJob };

/** The jobs routes and CLI commands. Errors are the domain's typed errors (see each method). */
export interface JobsApplication {
  /** Throws `ValidationError`. */
  track(command: TrackCommand): Promise<TrackResult>;
  /**
   * Throws `ValidationError` (bad domains, label, metadata, key), `IdempotencyConflictError`,
   * `SubmissionInProgressError`, `JobCreationError` (nothing tracked).
   */
  submit(command: SubmitCommand, options: { signal: AbortSignal }): Promise<SubmitResult>;
  /** Throws `ValidationError` (malformed id) or `JobNotTrackedError`. */
  get(jobId: string): Promise<TrackedJob>;
  /** Throws `ValidationError` (bad status, limit or cursor). */
  list(query: JobListQuery): Promise<JobPage>;
  /** Throws `ValidationError` or `JobNotTrackedError`. */
  untrack(jobId: string): Promise<TrackedJob>;
}

/** What one webhook call led to. */
export type WebhookOutcome =
  /** A bad token or an unknown job: answered 404, nothing written, nothing revealed. */
  | 'not_found'
  /** Another call checked this job within the hint window: answered 202, no status request. */
  | 'recently_checked'
  /** The job was checked now (and notified, if it ended). */
  | 'checked'
  /** The job already finished (or is untracked): nothing to do. */
  | 'already_final';

/** `POST /hooks/companyenrich/{submissionId}/{token}`: CompanyEnrich's callback, taken only as a hint. */
export interface WebhookApplication {
  hint(jobId: string, token: string, options: { signal: AbortSignal }): Promise<WebhookOutcome>;
}
