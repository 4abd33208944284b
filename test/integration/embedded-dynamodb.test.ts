import { DescribeTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { embeddedDynamoDbClient, ensureJobsTable } from '../../local/embedded-dynamodb.js';
import { startDynalite } from '../support/dynalite.js';

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
});
