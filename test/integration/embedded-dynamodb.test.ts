import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import {
  embeddedDynamoDbClient,
  ensureJobsTable,
  LOCAL_TABLE_NAME,
  startEmbeddedDynamoDb,
} from '../../local/embedded-dynamodb.js';
import { startDynalite } from '../support/dynalite.js';
import { killedWhileCreatingTable } from '../support/half-made-table.js';

describe('ensureJobsTable (the local run and the CLI on a fresh data folder)', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  it('returns only once the new table is ACTIVE, so the first write cannot miss it', async () => {
    // dynalite answers CreateTable while the table is CREATING; here it stays so for 300 ms.
    const { endpoint, stop } = await startDynalite({ createTableMs: 300 });
    stops.push(stop);
    const client = embeddedDynamoDbClient(endpoint);
    stops.push(() => {
      client.destroy();
      return Promise.resolve();
    });

    await ensureJobsTable(client, 'fresh-jobs');

    const { Table } = await client.send(new DescribeTableCommand({ TableName: 'fresh-jobs' }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    await expect(
      client.send(new PutItemCommand({ TableName: 'fresh-jobs', Item: { pk: { S: 'JOB#first' } } })),
    ).resolves.toBeDefined();
  });

  it('leaves an existing ACTIVE table as it is', async () => {
    const { endpoint, stop } = await startDynalite();
    stops.push(stop);
    const client = embeddedDynamoDbClient(endpoint);
    stops.push(() => {
      client.destroy();
      return Promise.resolve();
    });
    await ensureJobsTable(client, 'jobs');
    await client.send(new PutItemCommand({ TableName: 'jobs', Item: { pk: { S: 'JOB#kept' } } }));

    await ensureJobsTable(client, 'jobs');

    const { Item } = await client.send(
      new GetItemCommand({ TableName: 'jobs', Key: { pk: { S: 'JOB#kept' } } }),
    );
    expect(Item?.pk).toEqual({ S: 'JOB#kept' });
  });

  it('repairs a table a killed process left CREATING: the store opens and takes writes', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'ejw-half-made-'));
    stops.push(() => rm(folder, { recursive: true, force: true }));
    await killedWhileCreatingTable(folder);

    const embedded = await startEmbeddedDynamoDb(folder);
    stops.unshift(() => embedded.close());
    const client = embeddedDynamoDbClient(embedded.endpoint);
    stops.unshift(() => {
      client.destroy();
      return Promise.resolve();
    });
    await ensureJobsTable(client);

    const { Table } = await client.send(new DescribeTableCommand({ TableName: LOCAL_TABLE_NAME }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    await client.send(new PutItemCommand({ TableName: LOCAL_TABLE_NAME, Item: { pk: { S: 'JOB#after' } } }));
    const { Item } = await client.send(
      new GetItemCommand({ TableName: LOCAL_TABLE_NAME, Key: { pk: { S: 'JOB#after' } } }),
    );
    expect(Item?.pk).toEqual({ S: 'JOB#after' });
    // Said, so the local run can tell the user what it did.
    expect(embedded.repairedTables).toEqual([LOCAL_TABLE_NAME]);
  });
});
