import { access, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { JOBS_TABLE } from '../../functions/contract.js';
import { encodeJobItem } from '../../functions/core/adapters/dynamodb/job-item.js';
import { DynamoDbJobStore } from '../../functions/core/adapters/dynamodb/job-store.js';
import { WatcherError } from '../../functions/core/domain/errors.js';
import { documentClient } from '../../functions/core/wiring.js';
import {
  embeddedDynamoDbClient,
  ensureJobsTable,
  LOCAL_TABLE_NAME,
  LocalStoreUpgradeError,
  startEmbeddedDynamoDb,
} from '../../local/embedded-dynamodb.js';
import { homePaths } from '../../local/home.js';
import { randomUuid, seededRandom } from '../../local/random.js';
import { saveItems, waitForTableStatus } from '../../local/table-rebuild.js';
import { trackedJob } from '../support/builders.js';
import { earlierJobsTableDefinition } from '../support/earlier-store.js';
import { RecordingLog } from '../support/watcher-harness.js';

const NOW = '2026-11-29T10:00:00.000Z';
const minutesBefore = (minutes: number) => new Date(Date.parse(NOW) - minutes * 60_000).toISOString();

describe('the local store made by an earlier version (due index by-next-check)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  const ids = (() => {
    const random = seededRandom(9);
    return () => randomUuid(random);
  })();

  async function dataFolder(): Promise<{ home: string; backupFile: string; dynamoDb: string }> {
    const home = await mkdtemp(join(tmpdir(), 'ejw-upgrade-'));
    cleanups.push(() => rm(home, { recursive: true, force: true }));
    const paths = homePaths(home);
    return { home, backupFile: paths.storeBackup, dynamoDb: paths.dynamoDb };
  }

  /** Serves the folder like a run does; closed (client first) when the test ends, or by `stop`. */
  async function open(folder: string): Promise<{ client: DynamoDBClient; stop: () => Promise<void> }> {
    const embedded = await startEmbeddedDynamoDb(folder);
    const client = embeddedDynamoDbClient(embedded.endpoint);
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      client.destroy();
      await embedded.close();
    };
    cleanups.unshift(stop);
    return { client, stop };
  }

  /**
   * A folder as an earlier version leaves it: the old table with due, not-yet-due and finished
   * jobs (60: more than two BatchWriteItem calls), the watcher state and an item using every
   * attribute type.
   */
  async function earlierFolder(folder: string): Promise<{ dueJobIds: string[] }> {
    const { client, stop } = await open(folder);
    await client.send(new CreateTableCommand(earlierJobsTableDefinition(LOCAL_TABLE_NAME)));
    await waitForTableStatus(client, LOCAL_TABLE_NAME, 'ACTIVE');
    const documents = documentClient(client);
    const dueJobIds: string[] = [];
    for (let n = 0; n < 60; n += 1) {
      const jobId = ids();
      const kind = n % 3;
      const job =
        kind === 2
          ? trackedJob({ jobId, status: 'completed', nextCheckAt: null })
          : trackedJob({ jobId, status: 'processing', nextCheckAt: minutesBefore(kind === 0 ? 5 + n : -30) });
      if (kind === 0) dueJobIds.push(jobId);
      await documents.send(new PutCommand({ TableName: LOCAL_TABLE_NAME, Item: encodeJobItem(job) }));
    }
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: { [LOCAL_TABLE_NAME]: [{ PutRequest: { Item: EVERY_TYPE } }] },
      }),
    );
    await stop();
    return { dueJobIds };
  }

  it('moves every item, whole, to a table with today’s indexes, and the tick reads the due jobs', async () => {
    const { backupFile, dynamoDb, home } = await dataFolder();
    const { dueJobIds } = await earlierFolder(dynamoDb);
    const { client } = await open(dynamoDb);
    const before = await allItems(client);
    const told: string[] = [];

    await ensureJobsTable(client, LOCAL_TABLE_NAME, { backupFile, report: (line) => told.push(line) });

    expect(await allItems(client)).toEqual(before);
    expect(before).toHaveLength(61);
    expect(await indexNames(client)).toEqual(
      [JOBS_TABLE.dueIndex.name, JOBS_TABLE.listIndex.name, JOBS_TABLE.statusIndex.name].sort(),
    );
    const store = new DynamoDbJobStore(documentClient(client), LOCAL_TABLE_NAME, new RecordingLog());
    const due: string[] = [];
    for await (const page of store.dueJobs(NOW, 100)) due.push(...page.map((job) => job.jobId));
    expect(due.sort()).toEqual([...dueJobIds].sort());
    expect(told[0]).toBe(
      `Upgrading the local store: 61 items to the new table layout (saved first in ${backupFile})...`,
    );
    expect(told.at(-1)).toBe("The local store's upgrade is done: 61 items moved.");
    // The backup is gone once every item is back.
    expect(await readdir(home)).not.toContain('jobs-table-backup.jsonl');
  });

  it('restores the backup of a run stopped after saving the items, before touching the table', async () => {
    const { backupFile, dynamoDb } = await dataFolder();
    await earlierFolder(dynamoDb);
    const first = await open(dynamoDb);
    const before = await allItems(first.client);
    expect(await saveItems(first.client, LOCAL_TABLE_NAME, backupFile)).toBe(61);
    await first.stop();

    const { client } = await open(dynamoDb);
    const told: string[] = [];
    await ensureJobsTable(client, LOCAL_TABLE_NAME, { backupFile, report: (line) => told.push(line) });

    expect(await allItems(client)).toEqual(before);
    expect(await indexNames(client)).toContain(JOBS_TABLE.dueIndex.name);
    expect(told[0]).toBe(
      `Restoring the local store from ${backupFile}, left by an upgrade that was stopped...`,
    );
    await expect(access(backupFile)).rejects.toThrow();
  });

  it('restores the backup of a run stopped between deleting the old table and creating the new one', async () => {
    const { backupFile, dynamoDb } = await dataFolder();
    await earlierFolder(dynamoDb);
    const first = await open(dynamoDb);
    const before = await allItems(first.client);
    await saveItems(first.client, LOCAL_TABLE_NAME, backupFile);
    await first.client.send(new DeleteTableCommand({ TableName: LOCAL_TABLE_NAME }));
    await waitForTableStatus(first.client, LOCAL_TABLE_NAME, null);
    await first.stop();

    const { client } = await open(dynamoDb);
    await ensureJobsTable(client, LOCAL_TABLE_NAME, { backupFile, report: () => undefined });

    expect(await allItems(client)).toEqual(before);
    expect(await indexNames(client)).toContain(JOBS_TABLE.dueIndex.name);
    await expect(access(backupFile)).rejects.toThrow();
  });

  it('restores the backup of a run stopped while putting the items back into the new table', async () => {
    const { backupFile, dynamoDb } = await dataFolder();
    await earlierFolder(dynamoDb);
    const first = await open(dynamoDb);
    const before = await allItems(first.client);
    await saveItems(first.client, LOCAL_TABLE_NAME, backupFile);
    await first.client.send(new DeleteTableCommand({ TableName: LOCAL_TABLE_NAME }));
    // dynalite deletes a table a moment after answering, as DynamoDB does; the rebuild waits too.
    await waitForTableStatus(first.client, LOCAL_TABLE_NAME, null);
    await ensureJobsTable(first.client);
    // The first batch was back when the process stopped.
    await first.client.send(
      new BatchWriteItemCommand({
        RequestItems: { [LOCAL_TABLE_NAME]: before.slice(0, 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
    await first.stop();

    const { client } = await open(dynamoDb);
    await ensureJobsTable(client, LOCAL_TABLE_NAME, { backupFile, report: () => undefined });

    expect(await allItems(client)).toEqual(before);
    await expect(access(backupFile)).rejects.toThrow();
  });

  it('ignores the unfinished backup of a run stopped while saving the items: the table was untouched', async () => {
    const { backupFile, dynamoDb, home } = await dataFolder();
    await earlierFolder(dynamoDb);
    // Only a complete backup is renamed to its name; this one stopped after its first line.
    await writeFile(`${backupFile}.partial`, '{"pk":{"S":"JOB#half-saved"}}\n');
    const { client } = await open(dynamoDb);
    const before = await allItems(client);

    await ensureJobsTable(client, LOCAL_TABLE_NAME, { backupFile, report: () => undefined });

    expect(await allItems(client)).toEqual(before);
    expect(await indexNames(client)).toContain(JOBS_TABLE.dueIndex.name);
    expect((await readdir(home)).filter((name) => name.startsWith('jobs-table-backup'))).toEqual([]);
  });

  it('leaves a table already on today’s layout alone: no backup, no rebuild, nothing said', async () => {
    const { backupFile, dynamoDb, home } = await dataFolder();
    const { client } = await open(dynamoDb);
    await ensureJobsTable(client);
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: { [LOCAL_TABLE_NAME]: [{ PutRequest: { Item: EVERY_TYPE } }] },
      }),
    );
    const created = await creationTime(client);
    const told: string[] = [];

    await ensureJobsTable(client, LOCAL_TABLE_NAME, { backupFile, report: (line) => told.push(line) });

    expect(told).toEqual([]);
    expect(await creationTime(client)).toEqual(created);
    expect(await allItems(client)).toEqual([EVERY_TYPE]);
    expect((await readdir(home)).filter((name) => name.startsWith('jobs-table-backup'))).toEqual([]);
  });

  it('keeps a backup it cannot put back, and the error names it and says what to do', async () => {
    const { backupFile, dynamoDb } = await dataFolder();
    await earlierFolder(dynamoDb);
    const { client } = await open(dynamoDb);
    await writeFile(backupFile, '{"pk":{"S":"JOB#kept"}}\nnot json\n');

    const failure = ensureJobsTable(client, LOCAL_TABLE_NAME, { backupFile, report: () => undefined });

    await expect(failure).rejects.toBeInstanceOf(LocalStoreUpgradeError);
    await expect(failure).rejects.toThrow(`every job is saved in ${backupFile}. Run the command again`);
    await expect(access(backupFile)).resolves.toBeUndefined();
  });

  it('does not serve a table on an earlier layout when no backup file is given', async () => {
    const { dynamoDb } = await dataFolder();
    await earlierFolder(dynamoDb);
    const { client } = await open(dynamoDb);

    await expect(ensureJobsTable(client)).rejects.toThrow(WatcherError);
    await expect(ensureJobsTable(client)).rejects.toThrow('indexes of an earlier version');
  });
});

/** Every attribute type DynamoDB has, nested too: a backup must keep each one's type. */
const EVERY_TYPE: Record<string, AttributeValue> = {
  pk: { S: 'OTHER#every-type' },
  number: { N: '12.5' },
  bytes: { B: Uint8Array.from([0, 1, 254, 255]) },
  strings: { SS: ['a', 'b'] },
  numbers: { NS: ['1', '2.5'] },
  byteSets: { BS: [Uint8Array.from([1]), Uint8Array.from([2, 3])] },
  flag: { BOOL: false },
  nothing: { NULL: true },
  nested: { M: { list: { L: [{ S: 'x' }, { N: '1' }, { B: Uint8Array.from([9]) }, { M: {} }] } } },
};

async function allItems(client: DynamoDBClient): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: LOCAL_TABLE_NAME, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items.sort((a, b) => String(a.pk?.S).localeCompare(String(b.pk?.S)));
}

async function indexNames(client: DynamoDBClient): Promise<string[]> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: LOCAL_TABLE_NAME }));
  return (Table?.GlobalSecondaryIndexes ?? []).map((index) => String(index.IndexName)).sort();
}

async function creationTime(client: DynamoDBClient): Promise<Date | undefined> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: LOCAL_TABLE_NAME }));
  return Table?.CreationDateTime;
}
