/**
 * Reads the due jobs of one partition of the due index (see docs/ARCHITECTURE.md, "The table").
 *
 * The index is keyed on the queue and the job's own key, so a routine check, which only moves
 * `next_check_at`, updates its entry in place: 1 write unit instead of the 2 of a moved sort key.
 * The price is on the read side: the index can no longer hand the due jobs out in order, so the
 * reader queries the partition's narrow entries (key and `next_check_at`, well under 100 bytes
 * each), keeps the due ones, orders them most overdue first, and reads those items with
 * BatchGetItem, one page at a time.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { BatchGetCommand, paginateQuery, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { JOBS_TABLE } from '../../../contract.js';
import { WatcherError } from '../../domain/errors.js';
import type { TrackedJob } from '../../domain/job.js';
import type { CallOptions, Log } from '../../ports.js';
import { asAwsCallError, sendOptions } from '../aws-call.js';
import { decodeJobItem, readableItems } from './job-item.js';
import type { Item } from './table.js';

/** How an {@link AwsCallError} from this reader names the service. */
const SERVICE = 'DynamoDB';

/** BatchGetItem reads at most this many keys per call. */
export const MAX_BATCH_GET_KEYS = 100;

/** One due entry of the index: all the reader keeps in memory for the whole partition. */
interface DueKey {
  readonly pk: string;
  readonly nextCheckAt: string;
}

/** How the reader retries the keys DynamoDB left unprocessed (throttling, the 16 MB answer cap). */
export interface BatchRetryPolicy {
  /** BatchGetItem calls per page in all, the first included. */
  readonly attempts: number;
  /** Wait before the first retry; each later one waits twice the one before. */
  readonly baseDelayMs: number;
  /** Waits `ms`, or rejects when `signal` aborts. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Six calls, waiting 50, 100, 200, 400, 800 ms between them: 1.55 s at worst, well inside a tick. */
export const DEFAULT_BATCH_RETRY: BatchRetryPolicy = {
  attempts: 6,
  baseDelayMs: 50,
  sleep: async (ms, signal) => {
    await delay(ms, undefined, signal ? { signal } : {});
  },
};

/** Some due items were still unprocessed after every retry; the tick reads them next time. */
export class DueItemsUnreadError extends WatcherError {
  override name = 'DueItemsUnreadError';
  constructor(
    readonly unread: number,
    readonly attempts: number,
    options?: ErrorOptions,
  ) {
    super(`${unread} due items were still unprocessed after ${attempts} BatchGetItem calls`, options);
  }
}

/** Reads due jobs through the due index; see the module comment. */
export class DueIndexReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly log: Log,
    private readonly retry: BatchRetryPolicy = DEFAULT_BATCH_RETRY,
  ) {}

  /**
   * The jobs of `queue` due at `now`, most overdue first, in pages of at most `pageSize` (capped
   * at {@link MAX_BATCH_GET_KEYS}). The due set is fixed when the first page is asked for: a job
   * that changes while the caller works through the pages is read at most once. An item that is
   * no longer due when its page is read (another tick checked or settled it) is left out.
   *
   * @throws AwsCallError when a call times out or `options.signal` aborts it.
   * @throws DueItemsUnreadError when DynamoDB keeps leaving keys unprocessed.
   */
  async *dueIn(
    queue: string,
    now: string,
    pageSize: number,
    options?: CallOptions,
  ): AsyncIterable<TrackedJob[]> {
    const due = await this.dueKeys(queue, now, options);
    const size = Math.max(1, Math.min(pageSize, MAX_BATCH_GET_KEYS));
    const pages: DueKey[][] = [];
    for (let start = 0; start < due.length; start += size) pages.push(due.slice(start, start + size));
    let next = pages[0] ? this.readAhead(pages[0], now, options) : null;
    for (let index = 0; next !== null; index += 1) {
      const current = next;
      // One page ahead: the caller's workers take the next page without waiting for BatchGetItem.
      const following = pages[index + 1];
      next = following ? this.readAhead(following, now, options) : null;
      const jobs = await current;
      if (jobs.length > 0) yield jobs;
    }
  }

  /**
   * Starts reading one page of due jobs. Its failure is marked handled here only so that a caller
   * who stops early (the tick's deadline) leaves no unhandled rejection behind; a caller who goes
   * on awaits the page and gets the error.
   */
  private readAhead(keys: readonly DueKey[], now: string, options?: CallOptions): Promise<TrackedJob[]> {
    const page = this.batchGet(keys, options).then((items) =>
      readableItems(inKeyOrder(keys, items), decodeJobItem, this.log).filter(
        (job) => job.nextCheckAt !== null && job.nextCheckAt <= now,
      ),
    );
    page.catch(() => undefined);
    return page;
  }

  /** The due entries of one partition, most overdue first (ties by key, so the order is stable). */
  private async dueKeys(queue: string, now: string, options?: CallOptions): Promise<DueKey[]> {
    const { dueIndex } = JOBS_TABLE;
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        IndexName: dueIndex.name,
        KeyConditionExpression: '#queue = :queue',
        FilterExpression: '#next <= :now',
        ProjectionExpression: '#key, #next',
        ExpressionAttributeNames: {
          '#queue': dueIndex.partitionKey,
          '#key': dueIndex.sortKey,
          '#next': dueIndex.nonKeyAttributes[0],
        },
        ExpressionAttributeValues: { ':queue': queue, ':now': now },
      },
      sendOptions(options),
    );
    const due: DueKey[] = [];
    try {
      for await (const page of pages) {
        for (const entry of page.Items ?? []) {
          const key = dueKeyOf(entry);
          if (key) due.push(key);
        }
      }
    } catch (error) {
      throw asAwsCallError(SERVICE, error, options?.signal);
    }
    return due.sort((a, b) => compare(a.nextCheckAt, b.nextCheckAt) || compare(a.pk, b.pk));
  }

  /** The items of `keys` (those that still exist), retrying what DynamoDB leaves unprocessed. */
  private async batchGet(keys: readonly DueKey[], options?: CallOptions): Promise<Item[]> {
    const items: Item[] = [];
    let pending: Item[] = keys.map(({ pk }) => ({ [JOBS_TABLE.partitionKey]: pk }));
    for (let attempt = 1; ; attempt += 1) {
      try {
        const answer = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }),
          sendOptions(options),
        );
        items.push(...(answer.Responses?.[this.tableName] ?? []));
        pending = answer.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
        if (pending.length === 0) return items;
        if (attempt >= this.retry.attempts) throw new DueItemsUnreadError(pending.length, attempt);
        await this.retry.sleep(this.retry.baseDelayMs * 2 ** (attempt - 1), options?.signal);
      } catch (error) {
        throw asAwsCallError(SERVICE, error, options?.signal);
      }
    }
  }
}

/** An index entry as a due key, or null for one without the attributes (none should lack them). */
function dueKeyOf(entry: Item): DueKey | null {
  const pk = entry[JOBS_TABLE.dueIndex.sortKey];
  const nextCheckAt = entry[JOBS_TABLE.dueIndex.nonKeyAttributes[0]];
  return typeof pk === 'string' && typeof nextCheckAt === 'string' ? { pk, nextCheckAt } : null;
}

/** BatchGetItem answers in any order: back to the order of `keys`. */
function inKeyOrder(keys: readonly DueKey[], items: readonly Item[]): Item[] {
  const byKey = new Map(items.map((item) => [item[JOBS_TABLE.partitionKey], item]));
  return keys.flatMap(({ pk }) => {
    const item = byKey.get(pk);
    return item ? [item] : [];
  });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
