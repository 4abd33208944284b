/** The `list` table: kept apart from output.ts so only `list` loads cli-table3. */
import Table from 'cli-table3';
import type { TrackedJob } from '../functions/core/domain/job.js';
import { isTerminal } from '../functions/core/domain/job-status.js';
import { toAsciiLine, truncate } from '../functions/core/domain/notification.js';
import { plural, relativeTime } from './output.js';

function domainProgress(job: TrackedJob): string {
  const snapshot = job.snapshot;
  if (snapshot?.total_domains === null || snapshot?.total_domains === undefined) return '-';
  const done = (snapshot.success_count ?? 0) + (snapshot.failed_count ?? 0);
  return `${done}/${snapshot.total_domains}`;
}

function statusCell(job: TrackedJob): string {
  if (job.notificationOwed) return `${job.status} (notification owed)`;
  if (job.lastNotification) return `${job.status} (notified)`;
  if (!isTerminal(job.status) && job.consecutiveErrors > 0)
    return `${job.status} (${plural(job.consecutiveErrors, 'error')})`;
  return job.status;
}

function nextCheckCell(nextCheckAt: string | null, now: Date): string {
  if (!nextCheckAt) return '-';
  // A job whose check time has passed waits for the next tick, whenever that comes.
  return Date.parse(nextCheckAt) <= now.getTime() ? 'next tick' : relativeTime(nextCheckAt, now);
}

/** The `list` table: one row per job, newest first, ids in full so they can be copied. */
export function formatJobsTable(jobs: readonly TrackedJob[], now: Date): string {
  const table = new Table({
    head: ['Job id', 'Label', 'Status', 'Domains', 'Last check', 'Next check', 'Tracked'],
    // No colours: the table is often piped or captured.
    style: { head: [], border: [] },
  });
  for (const job of jobs) {
    table.push([
      job.jobId,
      job.label ? truncate(toAsciiLine(job.label), 28) : '',
      statusCell(job),
      domainProgress(job),
      relativeTime(job.lastCheckedAt, now),
      nextCheckCell(job.nextCheckAt, now),
      relativeTime(job.trackedAt, now),
    ]);
  }
  return table.toString();
}
