import { readFileSync } from 'node:fs';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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
import { encodeJobItem } from '../../functions/core/adapters/dynamodb/job-item.js';
import { documentClient } from '../../functions/core/wiring.js';
import { startDynalite } from '../support/dynalite.js';
import { createJobsTable, dynamoDbClientFor } from '../support/emulators.js';

describe('the cost model write units', () => {
  let dynalite: Awaited<ReturnType<typeof startDynalite>>;
  let documents: ReturnType<typeof documentClient>;
  let tableName: string;

  beforeAll(async () => {
    dynalite = await startDynalite();
    const client = dynamoDbClientFor(dynalite.endpoint);
    documents = documentClient(client);
    tableName = await createJobsTable(client);
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
