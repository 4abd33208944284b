import type { HistoryEntry, JobSnapshot, LastError, TrackedJob } from '../domain/job.js';
import type { JobStatus } from '../domain/job-status.js';
import type { JobStore } from '../ports.js';

/** Every tracked job (optionally of one status), most recently tracked first. */
export async function listJobs(
  deps: { jobs: JobStore },
  filter: { status?: JobStatus } = {},
): Promise<TrackedJob[]> {
  const jobs: TrackedJob[] = [];
  for await (const job of deps.jobs.list(filter)) jobs.push(job);
  return jobs.sort((a, b) => b.trackedAt.localeCompare(a.trackedAt) || a.jobId.localeCompare(b.jobId));
}

/** The public JSON view of a tracked job (`list --json`): snake_case like the events. */
export interface JobView {
  job_id: string;
  status: JobStatus;
  label: string | null;
  metadata: Record<string, string>;
  tracked_at: string;
  last_checked_at: string | null;
  next_check_at: string | null;
  consecutive_errors: number;
  last_error: LastError | null;
  anomaly_count: number;
  notification_owed: boolean;
  last_notification: { event_id: string; published_at: string } | null;
  job: JobSnapshot | null;
  history: HistoryEntry[];
  /** When tracking was stopped; null while tracked. */
  untracked_at: string | null;
  /** Submitted with the watcher's webhook URL. */
  webhook: boolean;
}

/** Maps a job to its public JSON view. */
export function toJobView(job: TrackedJob): JobView {
  return {
    job_id: job.jobId,
    status: job.status,
    label: job.label,
    metadata: job.metadata,
    tracked_at: job.trackedAt,
    last_checked_at: job.lastCheckedAt,
    next_check_at: job.nextCheckAt,
    consecutive_errors: job.consecutiveErrors,
    last_error: job.lastError,
    anomaly_count: job.anomalyCount,
    notification_owed: job.notificationOwed !== null,
    last_notification: job.lastNotification
      ? { event_id: job.lastNotification.eventId, published_at: job.lastNotification.publishedAt }
      : null,
    job: job.snapshot,
    history: job.history,
    untracked_at: job.untrackedAt,
    webhook: job.webhook,
  };
}
