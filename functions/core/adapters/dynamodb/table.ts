/**
 * The jobs table as this adapter lays it out: keys, the item kinds, and the value that puts a job
 * in the due-jobs index. See docs/ARCHITECTURE.md, "The table".
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { JOBS_TABLE } from '../../../contract.js';

/**
 * The `watch_queue` of a job due status checks. One index partition holds every such job (see
 * docs/ARCHITECTURE.md).
 */
export const WATCHED = 'watched';

/**
 * The `watch_queue` of a job owing a notification: its own partition of the same index, so a
 * tick that may not call the API reads only these. Items written before it existed keep
 * `watched` until their notification is claimed, and are read with the watched jobs meanwhile.
 */
export const OWED = 'owed';

/** The due-index partition a job belongs in, while it has a next check at all. */
export function watchQueueFor(owesNotification: boolean): string {
  return owesNotification ? OWED : WATCHED;
}

export const JOB_KEY_PREFIX = 'JOB#';

/** The one item holding the account-wide watcher state. */
export const WATCHER_STATE_KEY = 'WATCHER#state';

/** An idempotent submission's item: `SUBMISSION#<sha256 hex of the Idempotency-Key>`. */
export const SUBMISSION_KEY_PREFIX = 'SUBMISSION#';

/**
 * The `entity` attribute. Job items are the only ones with `entity = "job"` and a `tracked_at`,
 * so the listing index holds jobs only; `list` scans for jobs and skips the other kinds.
 */
export const ItemEntity = {
  Job: 'job',
  WatcherState: 'watcher_state',
  Submission: 'submission',
} as const;

/** A DynamoDB item as the document client reads and writes it. */
export type Item = Record<string, unknown>;

/** The partition key of a job's item. */
export function jobKey(jobId: string): { pk: string } {
  return { pk: `${JOB_KEY_PREFIX}${jobId}` };
}

/** CreateTable input matching {@link JOBS_TABLE}, for the local run and tests (the stack uses CDK). */
export function jobsTableDefinition(tableName: string): CreateTableCommandInput {
  const { dueIndex, listIndex, statusIndex } = JOBS_TABLE;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      // dueIndex.sortKey is the table's own key, defined once.
      JOBS_TABLE.partitionKey,
      dueIndex.partitionKey,
      listIndex.partitionKey,
      // listIndex.sortKey is statusIndex.sortKey: `tracked_at`, defined once.
      listIndex.sortKey,
      statusIndex.partitionKey,
    ].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [{ AttributeName: JOBS_TABLE.partitionKey, KeyType: 'HASH' }],
    // Narrow projections. A routine check changes no key of any index; it changes only the due
    // index's `next_check_at` (1 write unit, in place), and nothing the listing indexes hold, so
    // it costs them nothing; only tracking, a transition and untracking write those.
    GlobalSecondaryIndexes: [dueIndex, listIndex, statusIndex].map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...index.nonKeyAttributes] },
    })),
  };
}
