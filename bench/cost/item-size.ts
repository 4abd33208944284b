/**
 * The size of a job item by DynamoDB's rules, and the typical item the cost model and the
 * write-unit count use (a job half-way through an hour).
 */
import { JobStatus } from '../../functions/core/domain/job-status.js';
import type { TrackedJob } from '../../functions/core/domain/job.js';

/**
 * DynamoDB's item size rule: attribute names plus values (strings in UTF-8, numbers about one
 * byte per two digits plus one, 1 byte for booleans and null, 3 bytes plus 1 per element for
 * lists and maps).
 */
export function dynamoItemBytes(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number')
    return Math.ceil(String(Math.abs(value)).replace(/[.-]/g, '').length / 2) + 1;
  if (Array.isArray(value))
    return 3 + value.reduce<number>((sum, item) => sum + 1 + dynamoItemBytes(item), 0);
  const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
  return (
    3 + entries.reduce((sum, [name, item]) => sum + 1 + Buffer.byteLength(name) + dynamoItemBytes(item), 0)
  );
}

/** The top-level item's size: no map overhead for the item itself. */
export function itemBytes(item: Record<string, unknown>): number {
  return Object.entries(item)
    .filter(([, value]) => value !== undefined)
    .reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + dynamoItemBytes(value), 0);
}

/** A job half-way through an hour: one transition in its history, a snapshot, a label and a tag. */
export function typicalCheckedJob(): TrackedJob {
  const at = '2026-11-29T10:00:00.000Z';
  const counts = { total_domains: 10_000, success_count: 4_000, failed_count: 12, credits_charged: 4_012 };
  return {
    jobId: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
    status: JobStatus.Processing,
    label: 'Q4 leads',
    metadata: { team: 'growth' },
    trackedAt: at,
    lastCheckedAt: '2026-11-29T10:30:00.000Z',
    nextCheckAt: '2026-11-29T10:32:00.000Z',
    consecutiveErrors: 0,
    consecutiveNotFound: 0,
    lastError: null,
    snapshot: {
      job_id: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
      status: 'processing',
      ...counts,
      created_at: '2026-11-29T09:58:00.000Z',
      started_at: '2026-11-29T09:59:00.000Z',
      completed_at: null,
      results_url: null,
      error_message: null,
    },
    history: [{ from: 'pending', to: 'processing', at, counts }],
    historyTrimmed: 0,
    notificationOwed: null,
    lastNotification: null,
    anomalyCount: 0,
    anomalies: [],
    untrackedAt: null,
    webhook: false,
    version: 7,
  };
}
