/**
 * The size of a job item by DynamoDB's rules, and the typical item the cost model and the
 * write-unit count use (a job half-way through an hour).
 */
import { JobStatus } from '../../functions/core/domain/job-status.js';
import type { TrackedJob } from '../../functions/core/domain/job.js';
import { T0, snapshot, trackedJob } from '../../test/support/builders.js';

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

/**
 * A job half-way through an hour: one transition in its history, a snapshot, a label and a tag
 * (the tests' job and snapshot builders, with the counts and times of that moment).
 */
export function typicalCheckedJob(): TrackedJob {
  const counts = { total_domains: 10_000, success_count: 4_000, failed_count: 12, credits_charged: 4_012 };
  return trackedJob({
    status: JobStatus.Processing,
    lastCheckedAt: '2026-11-29T10:30:00.000Z',
    nextCheckAt: '2026-11-29T10:32:00.000Z',
    snapshot: snapshot(counts),
    history: [{ from: 'pending', to: 'processing', at: T0, counts }],
    version: 7,
  });
}
