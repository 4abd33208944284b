/**
 * The statuses a tracked job can be in.
 *
 * The first five are CompanyEnrich's own lifecycle. `not_found` and `rejected` are the watcher's
 * verdicts for jobs the API will never report on (repeated 404s, or a 400/422 for the id).
 */
export const JobStatus = {
  Pending: 'pending',
  Processing: 'processing',
  Completing: 'completing',
  Completed: 'completed',
  Failed: 'failed',
  NotFound: 'not_found',
  Rejected: 'rejected',
} as const;

export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

/** The statuses CompanyEnrich itself reports for a bulk job. */
export const API_JOB_STATUSES = [
  JobStatus.Pending,
  JobStatus.Processing,
  JobStatus.Completing,
  JobStatus.Completed,
  JobStatus.Failed,
] as const;

export type ApiJobStatus = (typeof API_JOB_STATUSES)[number];

const ALL_JOB_STATUSES: readonly string[] = Object.values(JobStatus);

const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set([
  JobStatus.Completed,
  JobStatus.Failed,
  JobStatus.NotFound,
  JobStatus.Rejected,
]);

/**
 * How far along the lifecycle a status is. Skips forward are legal (pending → completed);
 * anything that lowers the rank is a stale or out-of-order answer.
 */
const PROGRESS_RANK: Record<JobStatus, number> = {
  pending: 0,
  processing: 1,
  completing: 2,
  completed: 3,
  failed: 3,
  not_found: 3,
  rejected: 3,
};

/** True when the watcher will never poll a job in this status again. */
export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** Narrows an untrusted string from the API to one of its documented statuses. */
export function isApiJobStatus(value: string): value is ApiJobStatus {
  return (API_JOB_STATUSES as readonly string[]).includes(value);
}

/** Narrows an untrusted string (CLI flag, stored item) to a known watcher status. */
export function isJobStatus(value: string): value is JobStatus {
  return ALL_JOB_STATUSES.includes(value);
}

/** Negative when `observed` is behind `current` in the lifecycle, zero when level, positive when ahead. */
export function compareProgress(observed: JobStatus, current: JobStatus): number {
  return PROGRESS_RANK[observed] - PROGRESS_RANK[current];
}
