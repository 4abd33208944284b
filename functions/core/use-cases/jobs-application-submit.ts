/**
 * `POST /jobs/bulk` and `enrich-job-watch submit`: create a bulk job at CompanyEnrich with the
 * watcher's webhook URL and track it, idempotently under the caller's `Idempotency-Key`.
 *
 * The webhook URL has to be sent before CompanyEnrich has assigned the job id, so it names the
 * **submission** instead: `/hooks/companyenrich/{submissionId}/{token}`, the token an HMAC of the
 * submission id. The submission record (reserved under the submission id, completed with the job
 * id as soon as CompanyEnrich answers) is the mapping the webhook reads back. With an
 * `Idempotency-Key` the submission id is derived from it, so a retry reuses the same record and
 * URL; without one it is random.
 */
import { createHash } from 'node:crypto';
import type { SubmitCommand, SubmitResult } from '../application.js';
import { validateBulkDomains } from '../domain/bulk-domains.js';
import { IdempotencyConflictError, SubmissionInProgressError, ValidationError } from '../domain/errors.js';
import type {
  Clock,
  JobCreationApi,
  JobStore,
  Log,
  SubmissionRecord,
  SubmissionStore,
  WebhookTokens,
} from '../ports.js';
import { trackJob, validateLabelAndMetadata } from './track-job.js';

/** The ports a submit needs. */
export interface SubmitDeps {
  jobs: JobStore;
  submissions: SubmissionStore;
  creation: JobCreationApi;
  tokens: WebhookTokens;
  clock: Clock;
  log: Log;
  /** A fresh random UUID for a submission without an `Idempotency-Key` (seeded in tests). */
  newId: () => string;
  /**
   * How long a reservation holds before a retry may take it over as abandoned: longer than one
   * creation request can take, so a live request is never raced.
   */
  reservationMs: number;
}

/** Visible ASCII, as an HTTP header value allows without escaping; long enough for a UUID or a hash. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** A submit, validated and normalised: nothing has been read or written yet. */
interface ValidSubmission {
  domains: string[];
  duplicatesRemoved: string[];
  label: string | null;
  metadata: Record<string, string>;
  idempotencyKey: string | null;
  /** sha256 of the canonical body: the same key with another body is a conflict. */
  requestHash: string;
  submissionId: string;
}

/** What the submission record keeps, to answer a retry exactly as the first request. */
interface StoredResponse {
  job_id: string;
  domain_count: number;
  duplicates_removed: string[];
  webhook: boolean;
}

/**
 * Validates a submit before any I/O.
 *
 * @throws ValidationError for bad domains, label, metadata or key.
 */
function validateSubmission(command: SubmitCommand, newId: () => string): ValidSubmission {
  if (!Array.isArray(command.domains)) throw new ValidationError('domains must be an array of domain names');
  const { domains, duplicatesRemoved } = validateBulkDomains(command.domains);
  const { label, metadata } = validateLabelAndMetadata(command);
  const key = command.idempotencyKey;
  if (key !== null && !IDEMPOTENCY_KEY.test(key)) {
    throw new ValidationError('The Idempotency-Key must be 1 to 255 visible ASCII characters');
  }
  // Order and case do not change what is created, so they do not make another request.
  const canonical = JSON.stringify({
    domains: [...domains].sort(),
    label,
    metadata: Object.entries(metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  });
  const requestHash = createHash('sha256').update(canonical).digest('hex');
  const submissionId = key === null ? newId().toLowerCase() : submissionIdFor(key);
  return { domains, duplicatesRemoved, label, metadata, idempotencyKey: key, requestHash, submissionId };
}

/**
 * The submission id of an `Idempotency-Key`: a UUID (RFC 9562 version 8) made of its SHA-256, so
 * it fits the webhook route's id segment and reveals nothing of the key.
 */
export function submissionIdFor(idempotencyKey: string): string {
  const bytes = createHash('sha256').update(`idempotency-key:${idempotencyKey}`).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Creates the job and tracks it; see the module comment.
 *
 * @throws ValidationError, IdempotencyConflictError, SubmissionInProgressError, or
 *   JobCreationError (the key is released and nothing is tracked).
 */
export async function submitJob(
  deps: SubmitDeps,
  command: SubmitCommand,
  { signal }: { signal: AbortSignal },
): Promise<SubmitResult> {
  const submission = validateSubmission(command, deps.newId);
  const now = deps.clock.now();
  const existing = await deps.submissions.reserve({
    idempotencyKey: submission.submissionId,
    requestHash: submission.requestHash,
    leaseUntil: new Date(now.getTime() + deps.reservationMs).toISOString(),
  });
  if (existing) return replay(deps, submission, existing);

  let response: StoredResponse;
  try {
    const webhookUrl = await deps.tokens.urlFor(submission.submissionId);
    const created = await deps.creation.createJob({ domains: submission.domains, webhookUrl }, { signal });
    response = {
      job_id: created.jobId,
      domain_count: submission.domains.length,
      duplicates_removed: submission.duplicatesRemoved,
      webhook: webhookUrl !== null,
    };
  } catch (error) {
    // Nothing was created (or it cannot be known): let a retry with this key try again.
    await releaseQuietly(deps, submission.submissionId);
    throw error;
  }
  await recordCreated(deps, submission.submissionId, response);
  return finish(deps, submission, response, 'created');
}

/** Answers a retry of a known submission, or refuses it. */
async function replay(
  deps: SubmitDeps,
  submission: ValidSubmission,
  existing: SubmissionRecord,
): Promise<SubmitResult> {
  const key = submission.idempotencyKey ?? submission.submissionId;
  if (existing.requestHash !== submission.requestHash) throw new IdempotencyConflictError(key);
  const response = existing.state === 'created' ? storedResponse(existing) : null;
  if (!response) throw new SubmissionInProgressError(key);
  // Tracking again is a no-op when it worked the first time, and the retry when it did not.
  return finish(deps, submission, response, 'replayed');
}

function storedResponse(record: SubmissionRecord): StoredResponse | null {
  const stored = record.response as Partial<StoredResponse> | null;
  const jobId = record.jobId ?? stored?.job_id;
  if (!jobId) return null;
  return {
    job_id: jobId,
    domain_count: typeof stored?.domain_count === 'number' ? stored.domain_count : 0,
    duplicates_removed: Array.isArray(stored?.duplicates_removed) ? stored.duplicates_removed : [],
    webhook: stored?.webhook === true,
  };
}

/** Tracks the created job; a failure is logged and reported, never thrown: the job exists. */
async function finish(
  deps: SubmitDeps,
  submission: ValidSubmission,
  response: StoredResponse,
  outcome: SubmitResult['outcome'],
): Promise<SubmitResult> {
  const result = {
    outcome,
    jobId: response.job_id,
    domainCount: response.domain_count,
    duplicatesRemoved: response.duplicates_removed,
  };
  try {
    const { job } = await trackJob(deps, {
      jobId: response.job_id,
      label: submission.label,
      metadata: submission.metadata,
      webhook: response.webhook,
    });
    return { ...result, tracking: 'tracked', job };
  } catch (error) {
    deps.log.error('Created job could not be tracked; a retry with the same Idempotency-Key tracks it', {
      job_id: response.job_id,
      submission_id: submission.submissionId,
      error,
    });
    return { ...result, tracking: 'failed', job: null };
  }
}

/**
 * Records the job id on the submission: what a retry replays and what the webhook reads. A
 * failure is logged, not thrown: the job exists and is tracked next; only the replay and the
 * webhook fast path are lost (polling still covers the job).
 */
async function recordCreated(
  deps: SubmitDeps,
  submissionId: string,
  response: StoredResponse,
): Promise<void> {
  try {
    await deps.submissions.complete(submissionId, response.job_id, { ...response });
  } catch (error) {
    deps.log.error('Submission could not be marked created', {
      job_id: response.job_id,
      submission_id: submissionId,
      error,
    });
  }
}

async function releaseQuietly(deps: SubmitDeps, submissionId: string): Promise<void> {
  try {
    await deps.submissions.release(submissionId);
  } catch (error) {
    // The reservation then lapses with its lease; the creation error is what the caller needs.
    deps.log.warn('Submission could not be released', { submission_id: submissionId, error });
  }
}
