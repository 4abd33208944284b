import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadConfig } from '../../config.js';
import type { Clock, Log } from '../../ports.js';
import { DynamoDbJobCatalog } from './job-catalog.js';
import { DynamoDbJobStore } from './job-store.js';
import { DynamoDbSubmissionStore } from './submission-store.js';
import { DynamoDbWatcherStateStore } from './watcher-state-store.js';

/**
 * Wraps a DynamoDB client for plain-object items. `removeUndefinedValues` lets optional fields be
 * left out instead of failing the write.
 */
export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** What the stores take beyond the table: both default to what an unconfigured deployment does. */
export interface StoreOptions {
  /** How long an untracked job is kept (`config.tick.retentionMs`); null keeps it for good. */
  retentionMs?: number | null;
  /** The time submissions' leases and expiry are measured against. */
  clock?: Clock;
}

/** The stores on one jobs table. */
export interface Stores {
  jobs: DynamoDbJobStore;
  watcherState: DynamoDbWatcherStateStore;
  catalog: DynamoDbJobCatalog;
  submissions: DynamoDbSubmissionStore;
}

/**
 * The stores on one jobs table: the jobs (for the poller), the account-wide watcher state, the
 * catalog (listing, untracking, webhook hint claims) and idempotent submissions. `log` hears
 * about stored jobs that cannot be read (they are skipped, not fatal).
 */
export function createStores(
  client: DynamoDBClient,
  tableName: string,
  log: Log,
  options: StoreOptions = {},
): Stores {
  const documents = documentClient(client);
  // JOB_RETENTION_DAYS's default, from the one place that defines it.
  const retentionMs =
    options.retentionMs === undefined ? loadConfig({}).tick.retentionMs : options.retentionMs;
  return {
    jobs: new DynamoDbJobStore(documents, tableName, log),
    watcherState: new DynamoDbWatcherStateStore(documents, tableName),
    catalog: new DynamoDbJobCatalog(documents, tableName, log, retentionMs),
    submissions: new DynamoDbSubmissionStore(documents, tableName, options.clock),
  };
}
