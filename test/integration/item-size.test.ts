import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbJobStore } from '../../functions/core/adapters/dynamodb/job-store.js';
import { encodeJobItem } from '../../functions/core/adapters/dynamodb/job-item.js';
import { decideAfterAnswer } from '../../functions/core/domain/check-decision.js';
import type { HistoryEntry } from '../../functions/core/domain/job.js';
import { MAX_HISTORY_KEPT, SNAPSHOT_LIMITS } from '../../functions/core/domain/limits.js';
import {
  MAX_LABEL_LENGTH,
  MAX_METADATA_ENTRIES,
  MAX_METADATA_VALUE_LENGTH,
} from '../../functions/core/use-cases/track-job.js';
import { documentClient } from '../../functions/core/wiring.js';
import { JOB_ID, POLICY, snapshot, trackedJob } from '../support/builders.js';
import { startDynalite } from '../support/dynalite.js';
import { createJobsTable, dynamoDbClientFor } from '../support/emulators.js';
import { RecordingLog } from '../support/watcher-harness.js';

/** DynamoDB's item limit. */
const MAX_ITEM_BYTES = 400 * 1024;
const NOW = '2026-11-29T12:00:00.000Z';

/** An upper estimate of an item's stored size: names and values in UTF-8, plus JSON punctuation. */
function itemBytes(item: Record<string, unknown>): number {
  return new TextEncoder().encode(JSON.stringify(item)).length;
}

function historyOf(length: number): HistoryEntry[] {
  return Array.from({ length }, (_, index) => ({
    from: 'processing',
    to: 'processing',
    at: new Date(Date.UTC(2026, 10, 29, 10, 0, 0, index)).toISOString(),
    counts: { total_domains: 10_000, success_count: index, failed_count: 0, credits_charged: index },
  }));
}

describe('a job item never exceeds DynamoDB 400 KB', () => {
  let dynalite: Awaited<ReturnType<typeof startDynalite>>;
  let documents: ReturnType<typeof documentClient>;
  let tableName: string;

  beforeAll(async () => {
    dynalite = await startDynalite();
    const client = dynamoDbClientFor(dynalite.endpoint);
    documents = documentClient(client);
    tableName = await createJobsTable(client);
  });
  afterAll(async () => {
    await dynalite.stop();
  });

  it('trims the oldest history with a marker when the largest accepted job with a huge history ends', async () => {
    const metadata: Record<string, string> = {};
    for (let entry = 0; entry < MAX_METADATA_ENTRIES; entry += 1) {
      metadata[`key${String(entry).padStart(2, '0')}${'k'.repeat(59)}`] = '€'.repeat(
        MAX_METADATA_VALUE_LENGTH,
      );
    }
    // Written by a version that kept every entry: just under the item limit already.
    const before = trackedJob({
      label: '€'.repeat(MAX_LABEL_LENGTH),
      metadata,
      status: 'processing',
      history: historyOf(2_250),
      snapshot: snapshot({ status: 'processing' }),
    });
    expect(itemBytes(encodeJobItem(before))).toBeLessThan(MAX_ITEM_BYTES);
    await documents.send(new PutCommand({ TableName: tableName, Item: encodeJobItem(before) }));
    const store = new DynamoDbJobStore(documents, tableName, new RecordingLog());
    const job = await store.get(JOB_ID);
    if (!job) throw new Error('job not stored');

    // The longest answer the status adapter lets through.
    const final = snapshot({
      status: 'failed',
      results_url: 'h'.repeat(SNAPSHOT_LIMITS.resultsUrlLength),
      error_message: 'm'.repeat(SNAPSHOT_LIMITS.errorMessageLength),
    });
    const { update } = decideAfterAnswer(job, final, NOW, POLICY);
    const updated = await store.applyUpdate(job, update);

    expect(updated.status).toBe('failed');
    expect(updated.history).toHaveLength(MAX_HISTORY_KEPT);
    expect(updated.history.at(-1)).toMatchObject({ from: 'processing', to: 'failed', at: NOW });
    // Oldest first: what is kept is the most recent, and the item says how many went.
    expect(updated.history[0]).toEqual(job.history[job.history.length - MAX_HISTORY_KEPT + 1]);
    expect(updated.historyTrimmed).toBe(2_250 + 1 - MAX_HISTORY_KEPT);
    const { Item } = await documents.send(
      new GetCommand({ TableName: tableName, Key: { pk: `JOB#${JOB_ID}` }, ConsistentRead: true }),
    );
    expect(Item).toMatchObject({ history_trimmed: 2_250 + 1 - MAX_HISTORY_KEPT });
    expect(itemBytes(Item ?? {})).toBeLessThan(MAX_ITEM_BYTES / 2);
  });
});
