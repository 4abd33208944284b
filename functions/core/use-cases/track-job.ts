import { JobAlreadyTrackedError, ValidationError } from '../domain/errors.js';
import type { TrackedJob } from '../domain/job.js';
import { JOB_ID_PATTERN } from '../domain/job-id.js';
import type { Clock, JobStore, NewTrackedJob } from '../ports.js';

const METADATA_KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
export const MAX_LABEL_LENGTH = 200;
export const MAX_METADATA_ENTRIES = 20;
export const MAX_METADATA_VALUE_LENGTH = 256;

/** What a caller asks to track. */
export interface TrackRequest {
  jobId: string;
  label?: string | null;
  metadata?: Record<string, string>;
  /** The job was created with the watcher's webhook URL (submit); default false. */
  webhook?: boolean;
}

/**
 * Checks and normalises a track request before anything is written.
 *
 * @throws ValidationError saying exactly which part is wrong.
 */
export function validateTrackRequest(request: TrackRequest): Omit<NewTrackedJob, 'trackedAt'> {
  const jobId = request.jobId.trim();
  if (!JOB_ID_PATTERN.test(jobId)) {
    throw new ValidationError(
      `"${request.jobId.slice(0, 80)}" is not a CompanyEnrich job id (expected a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6)`,
    );
  }
  const { label, metadata } = validateLabelAndMetadata(request);
  return { jobId: jobId.toLowerCase(), label, metadata, ...(request.webhook ? { webhook: true } : {}) };
}

/**
 * Checks and normalises the label and metadata a caller attaches to a job (track and submit).
 *
 * @throws ValidationError saying exactly which part is wrong.
 */
export function validateLabelAndMetadata(request: Pick<TrackRequest, 'label' | 'metadata'>): {
  label: string | null;
  metadata: Record<string, string>;
} {
  const label = request.label?.trim() ? request.label.trim() : null;
  if (label !== null) {
    if (label.length > MAX_LABEL_LENGTH) {
      throw new ValidationError(
        `The label is ${label.length} characters long; at most ${MAX_LABEL_LENGTH} are allowed`,
      );
    }
    if (/\p{Cc}/u.test(label)) throw new ValidationError('The label must not contain control characters');
  }
  const metadata = request.metadata ?? {};
  const entries = Object.entries(metadata);
  if (entries.length > MAX_METADATA_ENTRIES) {
    throw new ValidationError(
      `${entries.length} metadata entries given; at most ${MAX_METADATA_ENTRIES} are allowed`,
    );
  }
  for (const [key, value] of entries) {
    if (typeof value !== 'string')
      throw new ValidationError(`Metadata value for "${key.slice(0, 80)}" must be a string`);
    if (!METADATA_KEY_PATTERN.test(key)) {
      throw new ValidationError(`Metadata key "${key.slice(0, 80)}" must be 1-64 of A-Z a-z 0-9 _ . : -`);
    }
    if (value.length > MAX_METADATA_VALUE_LENGTH) {
      throw new ValidationError(
        `Metadata value for "${key}" is longer than ${MAX_METADATA_VALUE_LENGTH} characters`,
      );
    }
  }
  return { label, metadata: { ...metadata } };
}

export type TrackOutcome =
  { outcome: 'tracked'; job: TrackedJob } | { outcome: 'already_tracked'; job: TrackedJob };

/**
 * Starts watching a job. Idempotent: tracking a tracked job changes nothing and says so.
 *
 * @throws ValidationError for a malformed request (nothing is written).
 */
export async function trackJob(
  deps: { jobs: JobStore; clock: Clock },
  request: TrackRequest,
): Promise<TrackOutcome> {
  const valid = validateTrackRequest(request);
  try {
    const job = await deps.jobs.track({ ...valid, trackedAt: deps.clock.now().toISOString() });
    return { outcome: 'tracked', job };
  } catch (error) {
    if (!(error instanceof JobAlreadyTrackedError)) throw error;
    const existing = await deps.jobs.get(valid.jobId);
    if (!existing) throw error;
    return { outcome: 'already_tracked', job: existing };
  }
}
