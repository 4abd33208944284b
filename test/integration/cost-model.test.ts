import { readFileSync } from 'node:fs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  costModelInputs,
  costModelSection,
  deployCostSection,
  typicalCheckedJob,
  writeUnitsPerCheck,
} from '../../bench/cost-model.js';
import { costTableOf, DEPLOY_DOC, comparableMarkdown } from '../../bench/cost/deploy-doc.js';
import type { CostInputs } from '../../bench/cost/inputs.js';
import { routineCheck, routineCheckUpdate, writeUnitsOfUpdate } from '../../bench/write-units.js';
import { JOBS_TABLE } from '../../functions/contract.js';
import { encodeJobItem } from '../../functions/core/adapters/dynamodb/job-item.js';
import { DynamoDbJobStore } from '../../functions/core/adapters/dynamodb/job-store.js';
import type { TrackedJob } from '../../functions/core/domain/job.js';
import { documentClient } from '../../functions/core/wiring.js';
import { startDynalite } from '../support/dynalite.js';
import { createJobsTable, dynamoDbClientFor } from '../support/emulators.js';
import { RecordingLog } from '../support/watcher-harness.js';

/** The capacity units DynamoDB reported for each call `client` made, by operation. */
function recordCapacity(client: DynamoDBClient): { operation: string; units: number }[] {
  const calls: { operation: string; units: number }[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      const reported = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
      const all = (Array.isArray(reported) ? reported : [reported]) as (
        { CapacityUnits?: number } | undefined
      )[];
      const units = all.reduce((sum, capacity) => sum + (capacity?.CapacityUnits ?? 0), 0);
      calls.push({ operation: context.commandName ?? '', units });
      return result;
    },
    { step: 'initialize' },
  );
  return calls;
}

/** The typical job under another id, so each test's item is its own. */
function typicalJobWithId(jobId: string): TrackedJob {
  const job = typicalCheckedJob();
  return { ...job, jobId, snapshot: job.snapshot && { ...job.snapshot, job_id: jobId } };
}

describe('the cost model write units', () => {
  let dynalite: Awaited<ReturnType<typeof startDynalite>>;
  let documents: ReturnType<typeof documentClient>;
  let tableName: string;

  let endpoint: string;

  beforeAll(async () => {
    dynalite = await startDynalite();
    endpoint = dynalite.endpoint;
    const client = dynamoDbClientFor(endpoint);
    documents = documentClient(client);
    tableName = await createJobsTable(client);
  });

  async function storedItem(jobId: string): Promise<Record<string, unknown> | undefined> {
    const key = { [JOBS_TABLE.partitionKey]: `JOB#${jobId}` };
    return (await documents.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true })))
      .Item;
  }

  it('takes at most 2 write units for a real routine check through the job store: 1 on the table, as dynalite reports it, 1 on the due index', async () => {
    const job = typicalJobWithId('5d1c8e2a-0b7f-4f3e-9a61-2c4b8d9e7f10');
    await documents.send(new PutCommand({ TableName: tableName, Item: encodeJobItem(job) }));
    const client = dynamoDbClientFor(endpoint);
    const capacity = recordCapacity(client);
    const store = new DynamoDbJobStore(documentClient(client), tableName, new RecordingLog());
    const before = await storedItem(job.jobId);

    await store.applyUpdate(job, routineCheckUpdate(job));

    const after = await storedItem(job.jobId);
    // The model's routine check writes exactly what the store wrote.
    expect(after).toEqual(routineCheck(job).after);
    const units = writeUnitsOfUpdate(before ?? {}, after ?? {});
    // Only `next_check_at` of the due index changes: its keys stay, the listing indexes are untouched.
    expect(units.indexes).toEqual({ 'by-watch-queue': 1, 'by-tracked-at': 0, 'by-status': 0 });
    expect(units.total).toBeLessThanOrEqual(2);
    expect(capacity).toEqual([{ operation: 'UpdateItemCommand', units: units.table }]);
    expect(writeUnitsPerCheck(job)).toEqual(units);
  });

  it('reads a due item for half a read unit (an eventually consistent BatchGetItem under 4 KB), after one Query of the narrow index entries', async () => {
    const jobs = ['0a5e7c1d-3b2f-4c8e-9d6a-1f2e3d4c5b6a', '7e9f1a2b-4c3d-4e5f-8a7b-6c5d4e3f2a1b'].map(
      typicalJobWithId,
    );
    const table = await createJobsTable(dynamoDbClientFor(endpoint));
    for (const job of jobs)
      await documents.send(new PutCommand({ TableName: table, Item: encodeJobItem(job) }));
    const client = dynamoDbClientFor(endpoint);
    const capacity = recordCapacity(client);
    const store = new DynamoDbJobStore(documentClient(client), table, new RecordingLog());

    const read: string[] = [];
    for await (const page of store.dueJobs('2026-11-29T10:32:00.000Z', 100)) {
      read.push(...page.map((job) => job.jobId));
    }

    expect(read.sort()).toEqual(jobs.map((job) => job.jobId).sort());
    expect(capacity.filter((call) => call.operation === 'BatchGetItemCommand')).toEqual([
      { operation: 'BatchGetItemCommand', units: 0.5 * jobs.length },
    ]);
    // The owed and the watched partition: one Query each, of entries far under 4 KB (dynalite bills
    // the empty owed one nothing; DynamoDB bills every Query at least half a unit).
    const queries = capacity.filter((call) => call.operation === 'QueryCommand');
    expect(queries).toHaveLength(2);
    for (const query of queries) expect(query.units).toBeLessThanOrEqual(0.5);
  });

  afterAll(async () => {
    await dynalite.stop();
  });

  it('counts the table units of a check as dynalite reports them (ReturnConsumedCapacity)', async () => {
    const job = typicalCheckedJob();
    const item = encodeJobItem(job);
    await documents.send(new PutCommand({ TableName: tableName, Item: item }));
    const { ConsumedCapacity } = await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: item.pk },
        UpdateExpression: 'SET next_check_at = :next, last_checked_at = :now',
        ExpressionAttributeValues: {
          ':next': '2026-11-29T10:34:00.000Z',
          ':now': '2026-11-29T10:32:00.000Z',
        },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    expect(ConsumedCapacity?.CapacityUnits).toBe(writeUnitsPerCheck(job).table);
  });

  it('counts an item over 1 KB as two table units, as dynalite does', async () => {
    const job = { ...typicalCheckedJob(), label: 'x'.repeat(400) };
    const item = encodeJobItem(job);
    const { ConsumedCapacity } = await documents.send(
      new PutCommand({ TableName: tableName, Item: item, ReturnConsumedCapacity: 'TOTAL' }),
    );
    expect(ConsumedCapacity?.CapacityUnits).toBe(2);
    expect(writeUnitsPerCheck(job).table).toBe(2);
  });
});

describe('the monthly bill', () => {
  let inputs: CostInputs;

  beforeAll(async () => {
    // The default stack synthesized, the cadence replayed, the poll handler's logs measured.
    inputs = await costModelInputs();
  });

  it("is docs/DEPLOY.md's cost section (figures and table), for the code and the stack as they are", async () => {
    const documented = comparableMarkdown(costTableOf(readFileSync(DEPLOY_DOC, 'utf8')));
    const model = comparableMarkdown(await deployCostSection(inputs));
    expect(
      documented,
      "docs/DEPLOY.md's cost table no longer matches what the code and the stack would bill: run `npm run bench` to rewrite it",
    ).toEqual(model);
  });

  it('reports every goal the issue names in the bench section, the alternatives beside the watcher', async () => {
    const section = await costModelSection(inputs);
    expect(section.goals.map((goal) => goal.goal)).toEqual([
      '≤ 2 DynamoDB write units per check',
      '≤ $3 / month at 100 jobs',
      '≤ $5 / month at 10,000 jobs',
    ]);
    expect(section.markdown).toContain('| Step Functions per-job poller (30 s wait) | $1.20 | $120.24 |');
    expect(section.markdown).toContain('| Cron on a t4g.nano + 8 GB gp3 | $3.66 | $3.66 |');
  });
});
