/**
 * Rebuilds the local store's jobs table when its layout (keys, indexes) is not the one
 * `jobsTableDefinition` describes: a data folder made by an earlier version. dynalite's
 * UpdateTable cannot add an index, so the table is emptied into a backup file, deleted, created
 * afresh and filled again. The backup file is complete before the table is touched, and is removed
 * only once every item is back, so a process stopped anywhere in between loses nothing: the next
 * start finds the file and restores it first (puts are idempotent).
 */
import { createReadStream } from 'node:fs';
import { access, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  paginateScan,
  ResourceNotFoundException,
  type TableDescription,
  TableStatus,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { WatcherError } from '../functions/core/domain/errors.js';

/** A DynamoDB item in the wire format, so every attribute keeps its type. */
type StoredItem = Record<string, AttributeValue>;

/** Where the items wait during a rebuild, and who is told about it. */
export interface TableRebuildOptions {
  /** The backup file (JSON lines, DynamoDB JSON) inside the data folder. */
  readonly backupFile: string;
  /** Receives one line per step, for the user. */
  readonly report: (message: string) => void;
}

/** The rebuild stopped after the items were saved: they are in `backupFile`, restored on the next start. */
export class LocalStoreUpgradeError extends WatcherError {
  override name = 'LocalStoreUpgradeError';
  constructor(
    readonly backupFile: string,
    options?: ErrorOptions,
  ) {
    super(
      `Upgrading the local store's table stopped; every job is saved in ${backupFile}. Run the command ` +
        'again to restore them into the new table, and keep that file until a run says the upgrade is done ' +
        '(deleting it loses the jobs it holds)',
      options,
    );
  }
}

/** How long a table may take to reach a status (dynalite flips it right away in the local run). */
const STATUS_TIMEOUT_MS = 5_000;
const STATUS_POLL_MS = 20;

/** BatchWriteItem takes at most this many requests per call. */
const MAX_BATCH_WRITE = 25;
/** Calls per batch in all; the waits between them double from BATCH_RETRY_BASE_MS. */
const BATCH_WRITE_ATTEMPTS = 8;
const BATCH_RETRY_BASE_MS = 20;

/** The table's description, or null when there is no such table. */
export async function describeTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<TableDescription | null> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return Table ?? null;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return null;
    throw error;
  }
}

/**
 * Waits until the table's status is `wanted` (null: the table is gone).
 *
 * @throws WatcherError when it is not so within a few seconds.
 */
export async function waitForTableStatus(
  client: DynamoDBClient,
  tableName: string,
  wanted: TableStatus | null,
): Promise<void> {
  const giveUpAt = Date.now() + STATUS_TIMEOUT_MS;
  let status = (await describeTable(client, tableName))?.TableStatus ?? null;
  while (status !== wanted) {
    if (Date.now() > giveUpAt) {
      throw new WatcherError(
        `The local store's table ${tableName} is stuck in status ${status ?? 'missing'}; ` +
          'delete the data folder (ENRICH_JOB_WATCH_HOME) to start afresh',
      );
    }
    await delay(STATUS_POLL_MS);
    status = (await describeTable(client, tableName))?.TableStatus ?? null;
  }
}

/** Keys and indexes in one comparable form; attribute order, index order and projection order aside. */
function layoutOf(table: Pick<TableDescription, 'KeySchema' | 'GlobalSecondaryIndexes'>): string {
  const keys = (schema: TableDescription['KeySchema']) =>
    (schema ?? []).map((key) => `${key.KeyType}:${key.AttributeName}`).sort();
  const indexes = (table.GlobalSecondaryIndexes ?? [])
    .map((index) => ({
      name: index.IndexName,
      keys: keys(index.KeySchema),
      projection: index.Projection?.ProjectionType,
      attributes: [...(index.Projection?.NonKeyAttributes ?? [])].sort(),
    }))
    .sort((a, b) => String(a.name).localeCompare(String(b.name)));
  return JSON.stringify({ keys: keys(table.KeySchema), indexes });
}

/** True when the table has the keys and indexes of `wanted`. */
export function hasLayout(table: TableDescription, wanted: CreateTableCommandInput): boolean {
  return layoutOf(table) === layoutOf(wanted);
}

/** True when a backup file exists: a rebuild was stopped before it finished. */
export async function backupLeft(backupFile: string): Promise<boolean> {
  try {
    await access(backupFile);
    return true;
  } catch {
    return false;
  }
}

/**
 * Step 1: scans every item into `backupFile` (JSON lines), written to a temporary file, fsync'd,
 * then renamed, so a backup file that exists is always complete.
 *
 * @returns how many items were saved.
 * @throws WatcherError when the items cannot be saved; the table is untouched then.
 */
export async function saveItems(
  client: DynamoDBClient,
  tableName: string,
  backupFile: string,
): Promise<number> {
  const partial = `${backupFile}.partial`;
  let saved = 0;
  try {
    const file = await open(partial, 'w');
    try {
      for await (const page of paginateScan({ client }, { TableName: tableName, ConsistentRead: true })) {
        const lines = (page.Items ?? []).map((item) => `${JSON.stringify(toJson(item))}\n`);
        if (lines.length > 0) await file.write(lines.join(''));
        saved += lines.length;
      }
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(partial, backupFile);
    await syncFolder(dirname(backupFile));
  } catch (error) {
    await rm(partial, { force: true });
    throw new WatcherError(
      `Could not save the local store's items to ${backupFile} before upgrading its table; nothing was changed`,
      { cause: error },
    );
  }
  return saved;
}

/** Makes a rename durable: the folder's entry, not only the file's bytes. */
async function syncFolder(folder: string): Promise<void> {
  // Windows cannot open a folder for fsync; its renames are durable without it.
  if (process.platform === 'win32') return;
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Steps 2 and 3: gives the table the layout of `wanted` (deleting one on another layout, creating
 * it when missing), puts every item of `backupFile` back, then removes the file. Safe to repeat
 * from any point a stopped process left: the table may be old, missing, empty or half-filled.
 *
 * @returns how many items were put back.
 * @throws LocalStoreUpgradeError naming the backup file, which is kept.
 */
export async function restoreItems(
  client: DynamoDBClient,
  wanted: CreateTableCommandInput,
  backupFile: string,
): Promise<number> {
  const tableName = String(wanted.TableName);
  try {
    const existing = await describeTable(client, tableName);
    if (existing !== null && !hasLayout(existing, wanted)) {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
      await waitForTableStatus(client, tableName, null);
    }
    if (existing === null || !hasLayout(existing, wanted)) await client.send(new CreateTableCommand(wanted));
    await waitForTableStatus(client, tableName, TableStatus.ACTIVE);
    const restored = await putAll(client, tableName, backupFile);
    await rm(backupFile);
    return restored;
  } catch (error) {
    throw new LocalStoreUpgradeError(backupFile, { cause: error });
  }
}

/** Puts the file's items back, 25 per BatchWriteItem call. */
async function putAll(client: DynamoDBClient, tableName: string, backupFile: string): Promise<number> {
  const lines = createInterface({ input: createReadStream(backupFile), crlfDelay: Infinity });
  let batch: WriteRequest[] = [];
  let count = 0;
  for await (const line of lines) {
    if (line.trim() === '') continue;
    count += 1;
    batch.push({ PutRequest: { Item: parseLine(line, backupFile, count) } });
    if (batch.length === MAX_BATCH_WRITE) {
      await writeBatch(client, tableName, batch);
      batch = [];
    }
  }
  if (batch.length > 0) await writeBatch(client, tableName, batch);
  return count;
}

/** One BatchWriteItem batch, retrying what DynamoDB leaves unprocessed. */
async function writeBatch(
  client: DynamoDBClient,
  tableName: string,
  requests: WriteRequest[],
): Promise<void> {
  let pending = requests;
  for (let attempt = 1; ; attempt += 1) {
    const { UnprocessedItems } = await client.send(
      new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }),
    );
    pending = UnprocessedItems?.[tableName] ?? [];
    if (pending.length === 0) return;
    if (attempt === BATCH_WRITE_ATTEMPTS) {
      throw new WatcherError(
        `${pending.length} items were still unprocessed after ${attempt} BatchWriteItem calls`,
      );
    }
    await delay(BATCH_RETRY_BASE_MS * 2 ** (attempt - 1));
  }
}

function parseLine(line: string, backupFile: string, lineNumber: number): StoredItem {
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an item');
    return fromJson(parsed as Record<string, unknown>);
  } catch (error) {
    throw new WatcherError(`Line ${lineNumber} of ${backupFile} is not a DynamoDB item`, { cause: error });
  }
}

/** DynamoDB JSON: binary values as base64, as on the wire; everything else is JSON as it is. */
function toJson(item: StoredItem): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, valueToJson(value)]));
}

function valueToJson(value: AttributeValue): unknown {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((bytes) => Buffer.from(bytes).toString('base64')) };
  if (value.M !== undefined) return { M: toJson(value.M) };
  if (value.L !== undefined) return { L: value.L.map(valueToJson) };
  return value;
}

function fromJson(item: Record<string, unknown>): StoredItem {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, valueFromJson(value)]));
}

function valueFromJson(value: unknown): AttributeValue {
  const json = value as Record<string, unknown>;
  if (typeof json.B === 'string') return { B: Buffer.from(json.B, 'base64') };
  if (Array.isArray(json.BS)) return { BS: json.BS.map((text) => Buffer.from(String(text), 'base64')) };
  if (typeof json.M === 'object' && json.M !== null)
    return { M: fromJson(json.M as Record<string, unknown>) };
  if (Array.isArray(json.L)) return { L: json.L.map(valueFromJson) };
  return value as AttributeValue;
}

/**
 * Brings an existing table to the layout of `wanted`: restores first what a stopped rebuild left
 * in the backup file, else rebuilds a table on another layout. A table already on it, or none at
 * all, is left alone (no backup written).
 *
 * @throws WatcherError when the items cannot be saved (nothing changed), LocalStoreUpgradeError
 *   when they were saved but not all put back (the backup file is kept for the next start).
 */
export async function upgradeTable(
  client: DynamoDBClient,
  wanted: CreateTableCommandInput,
  { backupFile, report }: TableRebuildOptions,
): Promise<void> {
  if (await backupLeft(backupFile)) {
    report(`Restoring the local store from ${backupFile}, left by an upgrade that was stopped...`);
    const restored = await restoreItems(client, wanted, backupFile);
    report(`The local store's upgrade is done: ${itemCount(restored)} on the new table layout.`);
    return;
  }
  const existing = await describeTable(client, String(wanted.TableName));
  if (existing === null || hasLayout(existing, wanted)) return;
  const saved = await saveItems(client, String(wanted.TableName), backupFile);
  report(
    `Upgrading the local store: ${itemCount(saved)} to the new table layout (saved first in ${backupFile})...`,
  );
  await restoreItems(client, wanted, backupFile);
  report(`The local store's upgrade is done: ${itemCount(saved)} moved.`);
}

/** "1 item", "61 items". */
function itemCount(count: number): string {
  return `${String(count)} ${count === 1 ? 'item' : 'items'}`;
}
