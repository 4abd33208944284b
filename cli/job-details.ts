/** `show`'s human output: one job's fields, its last API answer and its full history. */
import Table from 'cli-table3';
import type { HistoryEntry, TrackedJob } from '../functions/core/domain/job.js';
import { toAsciiLine } from '../functions/core/domain/notification.js';
import { relativeTime } from './output.js';

function countsCell(entry: HistoryEntry): string {
  const counts = entry.counts;
  if (counts?.total_domains === null || counts?.total_domains === undefined) return '-';
  const done = (counts.success_count ?? 0) + (counts.failed_count ?? 0);
  const credits = counts.credits_charged ? `, ${counts.credits_charged} credits` : '';
  return `${done}/${counts.total_domains}${credits}`;
}

function when(iso: string | null, now: Date): string {
  return iso ? `${iso} (${relativeTime(iso, now)})` : '-';
}

/** The job's fields as "name: value" rows, then its history as a table (oldest first). */
export function formatJobDetails(job: TrackedJob, now: Date): string {
  const snapshot = job.snapshot;
  const rows: [string, string][] = [
    ['Job id', job.jobId],
    ['Label', job.label ? toAsciiLine(job.label) : '-'],
    ['Status', job.status],
    [
      'Metadata',
      Object.entries(job.metadata)
        .map(([key, value]) => `${key}=${value}`)
        .join(', ') || '-',
    ],
    ['Tracked', when(job.trackedAt, now)],
    ['Last check', when(job.lastCheckedAt, now)],
    ['Next check', when(job.nextCheckAt, now)],
    ['Webhook', job.webhook ? 'yes: CompanyEnrich calls back when it ends' : 'no: polling only'],
  ];
  if (job.untrackedAt)
    rows.push(['Untracked', `${when(job.untrackedAt, now)}: no longer checked or notified`]);
  if (snapshot) {
    const done = (snapshot.success_count ?? 0) + (snapshot.failed_count ?? 0);
    rows.push([
      'Domains',
      `${done}/${snapshot.total_domains ?? '?'} (${snapshot.success_count ?? 0} succeeded, ${snapshot.failed_count ?? 0} failed)`,
    ]);
    if (snapshot.credits_charged !== null) rows.push(['Credits', String(snapshot.credits_charged)]);
    if (snapshot.results_url) rows.push(['Results', snapshot.results_url]);
    if (snapshot.error_message) rows.push(['Error', toAsciiLine(snapshot.error_message)]);
  }
  if (job.lastError)
    rows.push(['Last error', `${job.lastError.kind}: ${toAsciiLine(job.lastError.message)}`]);
  if (job.notificationOwed) rows.push(['Notification', `owed (${job.notificationOwed.eventId})`]);
  else if (job.lastNotification)
    rows.push(['Notification', `sent ${job.lastNotification.publishedAt} (${job.lastNotification.eventId})`]);
  const width = Math.max(...rows.map(([name]) => name.length));
  const fields = rows.map(([name, value]) => `${`${name}:`.padEnd(width + 1)} ${value}`).join('\n');

  if (job.history.length === 0) return `${fields}\n\nHistory: no status change recorded yet.`;
  const history = new Table({ head: ['At', 'From', 'To', 'Domains'], style: { head: [], border: [] } });
  for (const entry of job.history) history.push([entry.at, entry.from, entry.to, countsCell(entry)]);
  return `${fields}\n\nHistory:\n${history.toString()}`;
}
