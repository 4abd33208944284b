import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Log } from '../../ports.js';
import { DynamoDbJobStore } from './job-store.js';
import { DynamoDbWatcherStateStore } from './watcher-state-store.js';

/**
 * Wraps a DynamoDB client for plain-object items. `removeUndefinedValues` lets optional fields be
 * left out instead of failing the write.
 */
export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/**
 * The two stores on one jobs table: the jobs, and the account-wide watcher state. `log` hears
 * about stored jobs that cannot be read (they are skipped, not fatal).
 */
export function createStores(
  client: DynamoDBClient,
  tableName: string,
  log: Log,
): { jobs: DynamoDbJobStore; watcherState: DynamoDbWatcherStateStore } {
  const documents = documentClient(client);
  return {
    jobs: new DynamoDbJobStore(documents, tableName, log),
    watcherState: new DynamoDbWatcherStateStore(documents, tableName),
  };
}
