/**
 * DynamoDB write units of one routine check (no transition), counted from the item before and
 * after the check and the table's indexes as `JOBS_TABLE` declares them, by DynamoDB's
 * documented rules:
 *
 * - table: the larger of the item before and after, in 1 KB units (UpdateItem);
 * - each global secondary index: nothing if neither its keys nor its projected attributes
 *   changed; a put of the new entry (1 KB units) if only projected attributes changed, or the
 *   entry appears; a delete of the old one if it disappears; a delete of the old entry and a put
 *   of the new one if one of its keys changed.
 *
 * test/integration/cost-model.test.ts checks the `after` item here against the one a real
 * check writes through `DynamoDbJobStore` on dynalite, and the table part against dynalite's
 * ReturnConsumedCapacity (dynalite does not report index units).
 */
import { JOBS_TABLE } from '../functions/contract.js';
import { encodeJobItem } from '../functions/core/adapters/dynamodb/job-item.js';
import {
  CheckVerdict,
  decideAfterAnswer,
  type DecisionPolicy,
  type JobUpdate,
} from '../functions/core/domain/check-decision.js';
import type { TrackedJob } from '../functions/core/domain/job.js';
import { itemBytes, typicalCheckedJob } from './cost/item-size.js';

const KB = 1024;
const MINUTE_MS = 60_000;

/** A stored item, attribute name to value, as the document client reads it. */
export type StoredItem = Record<string, unknown>;

/** The write units of one write, by part. */
export interface WriteUnits {
  /** The larger of the item's sizes before and after, in bytes. */
  readonly itemBytes: number;
  /** Units written to the table. */
  readonly table: number;
  /** Units written to each global secondary index, by index name. */
  readonly indexes: Record<string, number>;
  readonly total: number;
}

/** The default deployment's cadence and limits: what a deployed poller decides checks with. */
const DEFAULT_POLICY: DecisionPolicy = {
  pollIntervalMs: MINUTE_MS,
  maxBackoffMs: 30 * MINUTE_MS,
  notFoundLimit: 3,
  notificationLeaseMs: 5 * MINUTE_MS,
  retentionMs: 90 * 24 * 60 * MINUTE_MS,
};

/** A global secondary index as the write rules see it: its entry's key and projected attributes. */
interface IndexShape {
  readonly keys: readonly string[];
  readonly projected: readonly string[];
}

/**
 * The global secondary indexes of the jobs table, by name: each entry holds the index's keys,
 * the table's key and the index's projected attributes.
 */
export function jobsTableIndexes(): Map<string, IndexShape> {
  const { dueIndex, listIndex, statusIndex } = JOBS_TABLE;
  return new Map(
    [dueIndex, listIndex, statusIndex].map((index) => [
      index.name,
      {
        keys: [index.partitionKey, index.sortKey, JOBS_TABLE.partitionKey],
        projected: [...index.nonKeyAttributes],
      },
    ]),
  );
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** An item's entry in an index (the attributes it projects), or null when the item is not in it. */
function entryOf(item: StoredItem, index: IndexShape): StoredItem | null {
  if (index.keys.some((name) => item[name] === undefined)) return null;
  const names = [...index.keys, ...index.projected].filter((name) => item[name] !== undefined);
  return Object.fromEntries(names.map((name) => [name, item[name]]));
}

const units = (item: StoredItem): number => Math.ceil(itemBytes(item) / KB);

/** Write units one index takes when an item goes from `before` to `after`. */
function indexUnits(before: StoredItem, after: StoredItem, index: IndexShape): number {
  const old = entryOf(before, index);
  const next = entryOf(after, index);
  if (!old && !next) return 0;
  if (!old) return units(next ?? {});
  if (!next) return units(old);
  if (index.keys.some((name) => !same(old[name], next[name]))) return units(old) + units(next);
  return index.projected.some((name) => !same(old[name], next[name])) ? units(next) : 0;
}

/** Write units of an UpdateItem that turns `before` into `after`, table and indexes. */
export function writeUnitsOfUpdate(before: StoredItem, after: StoredItem): WriteUnits {
  const bytes = Math.max(itemBytes(before), itemBytes(after));
  const table = Math.ceil(bytes / KB);
  const indexes = Object.fromEntries(
    [...jobsTableIndexes()].map(([name, index]) => [name, indexUnits(before, after, index)]),
  );
  const total = table + Object.values(indexes).reduce((sum, value) => sum + value, 0);
  return { itemBytes: bytes, table, indexes, total };
}

/**
 * What a routine check of `job` at `now` writes: the API answers the same status with 100 more
 * domains done (what most checks of a running job see).
 */
export function routineCheckUpdate(job: TrackedJob, now = job.nextCheckAt ?? job.trackedAt): JobUpdate {
  if (!job.snapshot) throw new Error('routineCheckUpdate: the job needs a snapshot to answer with');
  const answer = { ...job.snapshot, success_count: (job.snapshot.success_count ?? 0) + 100 };
  const { verdict, update } = decideAfterAnswer(job, answer, now, DEFAULT_POLICY);
  if (verdict !== CheckVerdict.Unchanged)
    throw new Error(`routineCheckUpdate: a ${verdict}, not a routine check`);
  return update;
}

/**
 * The item before and after a routine check of `job`, recorded as `DynamoDbJobStore.applyUpdate`
 * records it (same status, new snapshot and timings, next check later, version + 1).
 */
export function routineCheck(job: TrackedJob): { before: StoredItem; after: StoredItem } {
  const update = routineCheckUpdate(job);
  const checked: TrackedJob = {
    ...job,
    status: update.status,
    lastCheckedAt: update.lastCheckedAt,
    nextCheckAt: update.nextCheckAt,
    consecutiveErrors: update.consecutiveErrors,
    consecutiveNotFound: update.consecutiveNotFound,
    lastError: update.lastError,
    snapshot: update.snapshot ?? job.snapshot,
    version: job.version + 1,
  };
  return { before: encodeJobItem(job), after: encodeJobItem(checked) };
}

/** Write units of one routine check of `job` (by default a typical job half-way through). */
export function writeUnitsPerCheck(job: TrackedJob = typicalCheckedJob()): WriteUnits {
  const { before, after } = routineCheck(job);
  return writeUnitsOfUpdate(before, after);
}
