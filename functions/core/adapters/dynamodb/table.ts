/**
 * The jobs table as this adapter lays it out: keys, the item kinds, and the value that puts a job
 * in the due-jobs index. See docs/ARCHITECTURE.md, "The table".
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { JOBS_TABLE } from '../../../contract.js';

/** The single `watch_queue` value. One index partition holds every watched job (see docs/ARCHITECTURE.md). */
export const WATCHED = 'watched';

export const JOB_KEY_PREFIX = 'JOB#';

/** The one item holding the account-wide watcher state. */
export const WATCHER_STATE_KEY = 'WATCHER#state';

/** The `entity` attribute: `list` scans for jobs and must skip the watcher-state item. */
export const ItemEntity = {
  Job: 'job',
  WatcherState: 'watcher_state',
} as const;

/** A DynamoDB item as the document client reads and writes it. */
export type Item = Record<string, unknown>;

/** The partition key of a job's item. */
export function jobKey(jobId: string): { pk: string } {
  return { pk: `${JOB_KEY_PREFIX}${jobId}` };
}

/** CreateTable input matching {@link JOBS_TABLE}, for the local run and tests (the stack uses CDK). */
export function jobsTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: JOBS_TABLE.partitionKey, AttributeType: 'S' },
      { AttributeName: JOBS_TABLE.dueIndex.partitionKey, AttributeType: 'S' },
      { AttributeName: JOBS_TABLE.dueIndex.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: JOBS_TABLE.partitionKey, KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: JOBS_TABLE.dueIndex.name,
        KeySchema: [
          { AttributeName: JOBS_TABLE.dueIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: JOBS_TABLE.dueIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}
