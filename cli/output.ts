/** What the CLI prints for people: job names, times, tick summaries, transitions (the `list` table is in jobs-table.ts). */
import type { HistoryEntry, TrackedJob } from '../functions/core/domain/job.js';
import { toAsciiLine, truncate } from '../functions/core/domain/notification.js';
import type { TickSummary } from '../functions/core/use-cases/poll-tick.js';

/** "5s ago", "3m ago", "in 12s", "2h ago", or "-" when unknown. */
export function relativeTime(iso: string | null, now: Date): string {
  if (!iso) return '-';
  const deltaMs = Date.parse(iso) - now.getTime();
  if (!Number.isFinite(deltaMs)) return '-';
  const seconds = Math.round(Math.abs(deltaMs) / 1000);
  const amount =
    seconds < 90
      ? `${seconds}s`
      : seconds < 90 * 60
        ? `${Math.round(seconds / 60)}m`
        : seconds < 36 * 3600
          ? `${Math.round(seconds / 3600)}h`
          : `${Math.round(seconds / 86_400)}d`;
  return deltaMs > 0 ? `in ${amount}` : `${amount} ago`;
}

/** How a person refers to a job: its label (if any) and the start of its id. */
export function jobName(job: Pick<TrackedJob, 'jobId' | 'label'>): string {
  const shortId = job.jobId.slice(0, 8);
  return job.label ? `${truncate(toAsciiLine(job.label), 40)} (${shortId})` : `job ${shortId}`;
}

/** "1 job", "2 jobs". */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** One line saying what a tick did, e.g. "6 checked, 2 transitions, 1 notification; errors: timeout 1". */
export function formatTickSummary(summary: TickSummary): string {
  const parts: string[] = [];
  const handled = summary.checked + summary.notified + summary.deferred + summary.conflicts + summary.alerts;
  if (handled === 0 && Object.keys(summary.errors).length === 0 && !summary.halted) return 'nothing due';
  parts.push(`${summary.checked} checked`, plural(summary.transitions, 'transition'));
  parts.push(plural(summary.notified, 'notification'));
  if (summary.alerts > 0) parts.push(plural(summary.alerts, 'operator alert'));
  if (summary.deferred > 0) parts.push(`${summary.deferred} deferred`);
  if (summary.conflicts > 0) parts.push(plural(summary.conflicts, 'write conflict'));
  if (summary.regressionsIgnored > 0) parts.push(`${summary.regressionsIgnored} stale answers ignored`);
  if (summary.anomalies > 0) parts.push(plural(summary.anomalies, 'unknown status', 'unknown statuses'));
  let line = parts.join(', ');
  const errors = Object.entries(summary.errors);
  if (errors.length > 0) line += `; errors: ${errors.map(([kind, count]) => `${kind} ${count}`).join(', ')}`;
  if (summary.halted) line += `; stopped early: ${summary.halted}`;
  return line;
}

/** One line for a recorded status change, e.g. "Partner directory (1a2b3c4d): pending → processing (120/420 domains)". */
export function formatTransition(job: TrackedJob, entry: HistoryEntry): string {
  const counts = entry.counts;
  const detail =
    counts?.total_domains !== null && counts?.total_domains !== undefined
      ? ` (${(counts.success_count ?? 0) + (counts.failed_count ?? 0)}/${counts.total_domains} domains)`
      : job.lastError
        ? ` (${job.lastError.message})`
        : '';
  return `${jobName(job)}: ${entry.from} → ${entry.to}${detail}`;
}
