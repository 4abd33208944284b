/**
 * The local run's DynamoDB: dynalite, in-process, on loopback, keeping its data in a LevelDB folder
 * so tracked jobs survive restarts. The core's DynamoDB adapter talks to it over real HTTP, exactly
 * as it talks to AWS.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import {
  CreateTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  TableStatus,
} from '@aws-sdk/client-dynamodb';
import { WatcherError } from '../functions/core/domain/errors.js';
import { jobsTableDefinition } from '../functions/core/adapters/dynamodb/table.js';
import {
  describeTable,
  hasLayout,
  type TableRebuildOptions,
  upgradeTable,
  waitForTableStatus,
} from './table-rebuild.js';

export { LocalStoreUpgradeError, type TableRebuildOptions } from './table-rebuild.js';

/** The jobs table inside the embedded store. */
export const LOCAL_TABLE_NAME = 'enrich-job-watch-jobs';

type Dynalite = (options: {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;
/** The part of LevelDB (dynalite's own `level`) used to check and repair a folder before serving it. */
interface LevelDbHandle {
  open(): Promise<void>;
  close(): Promise<void>;
  iterator(range: { gt: string; lt: string; limit?: number }): AsyncIterable<[string, string]>;
  del(key: string): Promise<void>;
}
type LevelDb = new (path: string) => LevelDbHandle;

/** dynalite keeps each table's description under `table~<name>` and its items under `item-<name>~`. */
const TABLE_KEYS = { gt: 'table~', lt: 'table~\uffff' } as const;
const itemKeys = (table: string) => ({ gt: `item-${table}~`, lt: `item-${table}~\uffff` });

/** dynalite (CommonJS, untyped) and its own LevelDB binding, loaded on first use: AWS mode never needs them. */
function loadDynalite(): { dynalite: Dynalite; Level: LevelDb } {
  const require = createRequire(import.meta.url);
  const dynalite = require('dynalite') as Dynalite;
  const { Level } = createRequire(require.resolve('dynalite'))('level') as { Level: LevelDb };
  return { dynalite, Level };
}

/** Another process holds the folder's LevelDB lock. */
export class LocalStoreBusyError extends Error {
  override name = 'LocalStoreBusyError';
}

/** A running embedded DynamoDB. */
export interface EmbeddedDynamoDb {
  endpoint: string;
  /** Tables a stopped process had left half-created, removed so they are created afresh. */
  repairedTables: string[];
  /** Stops serving and closes LevelDB, so everything written is on disk. */
  close(): Promise<void>;
}

/**
 * Fails fast when the folder is locked, and repairs what a killed process left half-made. dynalite
 * itself would crash the process with an unhandled stream error on a locked folder, so the lock is
 * tested with a throwaway open first; holding it, this process is the only one that could be
 * creating a table, so a table still CREATING was left so by a process that stopped (dynalite
 * marks it ACTIVE on a timer that died with it). Such a table has no items (writes need ACTIVE):
 * its description is removed, and the table is created afresh on open.
 *
 * @returns the names of the tables removed.
 */
async function checkAndRepairFolder(path: string, Level: LevelDb): Promise<string[]> {
  const probe = new Level(path);
  try {
    await probe.open();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') {
      throw new LocalStoreBusyError(`The local store ${path} is in use by another process`, { cause: error });
    }
    throw error;
  }
  try {
    return await removeHalfMadeTables(probe);
  } finally {
    await probe.close();
  }
}

async function removeHalfMadeTables(db: LevelDbHandle): Promise<string[]> {
  const halfMade: string[] = [];
  for await (const [key, value] of db.iterator(TABLE_KEYS)) {
    const status = (JSON.parse(value) as { TableStatus?: unknown }).TableStatus;
    if (status === TableStatus.CREATING) halfMade.push(key.slice(TABLE_KEYS.gt.length));
  }
  const removed: string[] = [];
  for (const table of halfMade) {
    // Never lose data: a table with items is left for the ACTIVE wait to report.
    if (await hasAny(db, itemKeys(table))) continue;
    await db.del(`${TABLE_KEYS.gt}${table}`);
    removed.push(table);
  }
  return removed;
}

async function hasAny(db: LevelDbHandle, range: { gt: string; lt: string }): Promise<boolean> {
  // Leaving the loop closes the iterator.
  for await (const [key] of db.iterator({ ...range, limit: 1 })) return key !== '';
  return false;
}

/**
 * Opens the LevelDB folder `path` (created if missing), repairs a table a killed process left
 * half-created, and serves it on a free loopback port.
 *
 * @throws LocalStoreBusyError when another process has the folder open.
 */
export async function startEmbeddedDynamoDb(path: string): Promise<EmbeddedDynamoDb> {
  const { dynalite, Level } = loadDynalite();
  const repairedTables = await checkAndRepairFolder(path, Level);
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('dynalite did not get a port');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    repairedTables,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // dynalite's close waits for its pending LevelDB operations, then closes LevelDB.
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
        // Keep-alive sockets of attached commands would otherwise hold the close open.
        server.closeAllConnections();
      }),
  };
}

/** A DynamoDB client for an embedded store: explicit endpoint, region and dummy credentials, no AWS setup needed. */
export function embeddedDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
  });
}

/**
 * Creates the jobs table on first use, brings a table made by an earlier version to today's
 * layout (see {@link upgradeTable}; only with `upgrade`, which says where its items wait), and
 * returns once the table is ACTIVE: dynalite answers CreateTable while the table is still
 * CREATING, and a write before it turns ACTIVE fails with ResourceNotFoundException.
 *
 * @throws WatcherError when the table does not become ACTIVE in time (a half-created table is
 *   repaired when the store starts, so this is no longer a process stopped while creating it), or
 *   when it is on another layout and `upgrade` is not given.
 * @throws LocalStoreUpgradeError when an upgrade stopped after saving the items (named in it).
 */
export async function ensureJobsTable(
  client: DynamoDBClient,
  tableName = LOCAL_TABLE_NAME,
  upgrade?: TableRebuildOptions,
): Promise<void> {
  const wanted = jobsTableDefinition(tableName);
  if (upgrade) await upgradeTable(client, wanted, upgrade);
  const existing = await describeTable(client, tableName);
  if (existing === null) {
    try {
      await client.send(new CreateTableCommand(wanted));
    } catch (error) {
      // Another process created it between the two calls.
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  } else if (!hasLayout(existing, wanted)) {
    throw new WatcherError(
      `The table ${tableName} has the indexes of an earlier version; it needs an upgrade`,
    );
  }
  await waitForTableStatus(client, tableName, TableStatus.ACTIVE);
}
