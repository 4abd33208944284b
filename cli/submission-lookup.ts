/**
 * Stand-in for the DynamoDB submission store's own `SubmissionLookup` until it implements one:
 * reads the submission item the store wrote (same key, same attributes). Only `start`'s webhook
 * route uses it, to learn which job a callback's submission id became.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../functions/core/adapters/dynamodb/stores.js';
import { submissionKey } from '../functions/core/adapters/dynamodb/submission-store.js';
import type { SubmissionLookup, SubmissionRecord, SubmissionStore } from '../functions/core/ports.js';

/** The store itself when it can look submissions up, else a reader of its items. */
export function submissionLookup(
  store: SubmissionStore | (SubmissionStore & SubmissionLookup),
  table: { client: DynamoDBClient; name: string },
): SubmissionLookup {
  if ('find' in store) return store;
  const documents = documentClient(table.client);
  return {
    async find(idempotencyKey: string): Promise<SubmissionRecord | null> {
      const { Item } = await documents.send(
        new GetCommand({ TableName: table.name, Key: submissionKey(idempotencyKey), ConsistentRead: true }),
      );
      const state = Item?.state as unknown;
      // Released or never reserved: no job to check.
      if (!Item || (state !== 'in_progress' && state !== 'created')) return null;
      return {
        idempotencyKey: Item.idempotency_key as string,
        requestHash: Item.request_hash as string,
        state,
        jobId: (Item.job_id as string | null | undefined) ?? null,
        response: (Item.response as Record<string, unknown> | null | undefined) ?? null,
        leaseUntil: Item.lease_until as string,
      };
    },
  };
}
