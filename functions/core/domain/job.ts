import type { JobStatus } from './job-status.js';
import type { NotificationChannel } from './notification-channel.js';

/**
 * One status document as CompanyEnrich returned it, after validation.
 *
 * Field names keep the API's snake_case because this is the API's document: it is stored
 * verbatim and handed on to subscribers as `job` in the JSON event.
 */
export interface JobSnapshot {
  job_id: string;
  /** The raw status value: it may be one the watcher does not know (see anomalies). */
  status: string;
  total_domains: number | null;
  success_count: number | null;
  failed_count: number | null;
  credits_charged: number | null;
  created_at: string | null;
  started_at: string | null;
  completed_at: string | null;
  results_url: string | null;
  error_message: string | null;
}

/** The counters of a job at one moment, kept with each recorded transition. */
export interface JobCounts {
  total_domains: number | null;
  success_count: number | null;
  failed_count: number | null;
  credits_charged: number | null;
}

/** One recorded status change. */
export interface HistoryEntry {
  from: JobStatus;
  to: JobStatus;
  /** When the watcher observed the change (the tick's time), ISO-8601. */
  at: string;
  counts: JobCounts | null;
}

/** A notification recorded as owed in the same write as the terminal transition it announces. */
export interface OwedNotification {
  /** Stable across re-publishes so subscribers can drop duplicates: `<job_id>:<status>`. */
  eventId: string;
  status: JobStatus;
  previousStatus: JobStatus;
  detectedAt: string;
  /** Channels that already have it, so a retry after a partial failure sends each channel one copy. */
  deliveredChannels: NotificationChannel[];
}

/** Proof that a job's notification went out on every channel. */
export interface NotificationReceipt {
  eventId: string;
  publishedAt: string;
  /** SNS message id per channel. */
  messageIds: Partial<Record<NotificationChannel, string>>;
}

/** Something the API said that the watcher could not act on, kept for the operator. */
export interface Anomaly {
  kind: 'unknown_status';
  value: string;
  at: string;
}

/** Why the last check of a job did not succeed. */
export interface LastError {
  kind: string;
  message: string;
  at: string;
}

/** Everything the watcher knows about one tracked job. */
export interface TrackedJob {
  jobId: string;
  status: JobStatus;
  label: string | null;
  metadata: Record<string, string>;
  trackedAt: string;
  lastCheckedAt: string | null;
  /** When the job is next due; null once it is terminal and owes nothing. */
  nextCheckAt: string | null;
  consecutiveErrors: number;
  consecutiveNotFound: number;
  lastError: LastError | null;
  snapshot: JobSnapshot | null;
  /** At most `MAX_HISTORY_KEPT` entries, oldest first. */
  history: HistoryEntry[];
  /** Oldest entries dropped from `history` to keep the item bounded (0: none, the usual case). */
  historyTrimmed: number;
  notificationOwed: OwedNotification | null;
  lastNotification: NotificationReceipt | null;
  /** Every anomaly seen; only the last `MAX_ANOMALIES_KEPT` are in `anomalies`. */
  anomalyCount: number;
  anomalies: Anomaly[];
  /** When tracking was stopped; null while tracked. An untracked job leaves the due index. */
  untrackedAt: string | null;
  /** Submitted with a webhook URL: CompanyEnrich calls back when it ends, so polling may be sparser. */
  webhook: boolean;
  /** Optimistic-concurrency counter: every write requires the version it read. */
  version: number;
}

/** Picks the counters out of a snapshot. */
export function countsOf(snapshot: JobSnapshot | null): JobCounts | null {
  if (!snapshot) return null;
  const { total_domains, success_count, failed_count, credits_charged } = snapshot;
  return { total_domains, success_count, failed_count, credits_charged };
}

/** The stable id of the event announcing that a job reached `status`. */
export function jobEventId(jobId: string, status: JobStatus): string {
  return `${jobId}:${status}`;
}

/**
 * The history after appending `entry`, trimmed oldest first to `maxKept`, and how many entries
 * the trim dropped in all (`alreadyTrimmed` plus this time's).
 */
export function historyWith(
  job: Pick<TrackedJob, 'history' | 'historyTrimmed'>,
  entry: HistoryEntry,
  maxKept: number,
): { history: HistoryEntry[]; historyTrimmed: number } {
  const all = [...job.history, entry];
  const dropped = Math.max(all.length - maxKept, 0);
  return { history: all.slice(dropped), historyTrimmed: job.historyTrimmed + dropped };
}
