import type { JobsApplication, TrackResult } from '../application.js';
import { JobNotTrackedError, ValidationError } from '../domain/errors.js';
import type { TrackedJob } from '../domain/job.js';
import { JOB_ID_PATTERN } from '../domain/job-id.js';
import { isJobStatus } from '../domain/job-status.js';
import type { JobCatalog, JobListQuery } from '../ports.js';
import { submitJob, type SubmitDeps } from './jobs-application-submit.js';
import { trackJob } from './track-job.js';

export { submissionIdFor, type SubmitDeps } from './jobs-application-submit.js';

/** The ports behind the jobs routes and CLI commands. */
export interface JobsApplicationDeps extends SubmitDeps {
  catalog: JobCatalog;
}

/** The page sizes `GET /jobs` accepts. */
export const MAX_PAGE_SIZE = 100;
/** Opaque cursors are the store's; this only bounds what is passed on. */
const MAX_CURSOR_LENGTH = 2_048;

/**
 * The jobs application over the ports: what `POST /jobs`, `POST /jobs/bulk`, `GET /jobs`,
 * `GET /jobs/{jobId}` and `DELETE /jobs/{jobId}` (and the matching CLI commands) do. Every
 * input is validated before the first read or write.
 */
export function makeJobsApplication(deps: JobsApplicationDeps): JobsApplication {
  return {
    // Spelled out: only a submit may mark a job as having the watcher's webhook.
    track: ({ jobId, label, metadata }): Promise<TrackResult> =>
      trackJob(deps, { jobId, label: label ?? null, ...(metadata ? { metadata } : {}) }),
    submit: (command, options) => submitJob(deps, command, options),
    get: (jobId) => getJob(deps, jobId),
    list: (query) => deps.catalog.listPage(validListQuery(query)),
    untrack: (jobId) => deps.catalog.untrack(validJobId(jobId), deps.clock.now().toISOString()),
  };
}

/** The job id, lower-cased. @throws ValidationError when it is not a CompanyEnrich job id. */
function validJobId(jobId: string): string {
  const trimmed = typeof jobId === 'string' ? jobId.trim() : '';
  if (!JOB_ID_PATTERN.test(trimmed)) {
    throw new ValidationError('The job id must be a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6');
  }
  return trimmed.toLowerCase();
}

async function getJob(deps: JobsApplicationDeps, jobId: string): Promise<TrackedJob> {
  const id = validJobId(jobId);
  const job = await deps.jobs.get(id);
  if (!job) throw new JobNotTrackedError(id);
  return job;
}

/** @throws ValidationError for a limit outside 1..100, an unknown status or a malformed cursor. */
function validListQuery(query: JobListQuery): JobListQuery {
  const { limit, status, cursor } = query;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new ValidationError(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  }
  if (status !== undefined && !isJobStatus(status)) {
    throw new ValidationError(
      `status must be one of the job statuses (got "${String(status).slice(0, 40)}")`,
    );
  }
  if (cursor !== null && (typeof cursor !== 'string' || cursor === '' || cursor.length > MAX_CURSOR_LENGTH)) {
    throw new ValidationError('cursor must be the nextCursor of a previous page');
  }
  return { limit, cursor, ...(status === undefined ? {} : { status }) };
}
