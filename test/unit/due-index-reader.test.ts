import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsCallError } from '../../functions/core/adapters/aws-call.js';
import {
  DueIndexReader,
  DueItemsUnreadError,
  type BatchRetryPolicy,
} from '../../functions/core/adapters/dynamodb/due-index-reader.js';
import { encodeJobItem } from '../../functions/core/adapters/dynamodb/job-item.js';
import { WATCHED } from '../../functions/core/adapters/dynamodb/table.js';
import { trackedJob } from '../support/builders.js';
import { RecordingLog } from '../support/watcher-harness.js';

// dynalite and moto always process every key of a BatchGetItem; DynamoDB may not (throttling,
// the 16 MB answer cap). Only this needs a mocked client.
const TABLE = 'jobs';
const NOW = '2026-11-29T10:00:00.000Z';
const JOB_IDS = [
  '11111111-1111-4111-8111-111111111111',
  '22222222-2222-4222-8222-222222222222',
  '33333333-3333-4333-8333-333333333333',
];
const items = JOB_IDS.map((jobId, index) =>
  encodeJobItem(trackedJob({ jobId, status: 'processing', nextCheckAt: `2026-11-29T09:5${index}:00.000Z` })),
);
const keyOf = (item: Record<string, unknown>) => ({ pk: item.pk });

describe('the due-index reader, when DynamoDB leaves keys unprocessed', () => {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  const dynamo = mockClient(documents);
  let waits: number[];
  const retry = (attempts: number): BatchRetryPolicy => ({
    attempts,
    baseDelayMs: 50,
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
  });

  beforeEach(() => {
    dynamo.reset();
    waits = [];
    dynamo.on(QueryCommand).resolves({
      Items: items.map((item) => ({ pk: item.pk, next_check_at: item.next_check_at, watch_queue: WATCHED })),
    });
  });

  async function read(reader: DueIndexReader, signal?: AbortSignal): Promise<string[][]> {
    const pages: string[][] = [];
    for await (const page of reader.dueIn(WATCHED, NOW, 10, { signal }))
      pages.push(page.map((job) => job.jobId));
    return pages;
  }

  it('asks again for the unprocessed keys, waiting longer each time, and returns every job in due order', async () => {
    const [first, second, third] = items;
    dynamo
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: { [TABLE]: [third ?? {}] },
        UnprocessedKeys: { [TABLE]: { Keys: [keyOf(first ?? {}), keyOf(second ?? {})] } },
      })
      .resolvesOnce({
        Responses: { [TABLE]: [first ?? {}] },
        UnprocessedKeys: { [TABLE]: { Keys: [keyOf(second ?? {})] } },
      })
      .resolves({ Responses: { [TABLE]: [second ?? {}] } });

    const pages = await read(new DueIndexReader(documents, TABLE, new RecordingLog(), retry(6)));

    expect(pages).toEqual([JOB_IDS]);
    const asked = dynamo
      .commandCalls(BatchGetCommand)
      .map((call) => call.args[0].input.RequestItems?.[TABLE]?.Keys?.map((key) => String(key.pk)));
    expect(asked).toEqual([
      JOB_IDS.map((jobId) => `JOB#${jobId}`),
      [`JOB#${JOB_IDS[0]}`, `JOB#${JOB_IDS[1]}`],
      [`JOB#${JOB_IDS[1]}`],
    ]);
    expect(waits).toEqual([50, 100]);
  });

  it('gives up after its attempts with a typed error naming how many items stayed unread', async () => {
    dynamo.on(BatchGetCommand).resolves({ UnprocessedKeys: { [TABLE]: { Keys: items.map(keyOf) } } });

    const error = await read(new DueIndexReader(documents, TABLE, new RecordingLog(), retry(3))).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(DueItemsUnreadError);
    expect(error).toMatchObject({ unread: 3, attempts: 3 });
    expect(dynamo.commandCalls(BatchGetCommand)).toHaveLength(3);
    expect(waits).toEqual([50, 100]);
  });

  it('stops waiting when the tick is aborted, as an aborted AWS call', async () => {
    dynamo.on(BatchGetCommand).resolves({ UnprocessedKeys: { [TABLE]: { Keys: items.map(keyOf) } } });
    const controller = new AbortController();
    const reader = new DueIndexReader(documents, TABLE, new RecordingLog(), {
      attempts: 6,
      baseDelayMs: 60_000,
      sleep: (_ms, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => {
            reject(signal.reason as Error);
          });
          controller.abort(new DOMException('tick deadline', 'AbortError'));
        }),
    });

    const error = await read(reader, controller.signal).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ failure: 'aborted' });
    expect(dynamo.commandCalls(BatchGetCommand)).toHaveLength(1);
  });
});

describe('the due-index reader, page by page', () => {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  const dynamo = mockClient(documents);

  beforeEach(() => {
    dynamo.reset();
    dynamo.on(QueryCommand).resolves({
      Items: items.map((item) => ({ pk: item.pk, next_check_at: item.next_check_at, watch_queue: WATCHED })),
    });
    for (const item of items) {
      dynamo.on(BatchGetCommand, { RequestItems: { [TABLE]: { Keys: [keyOf(item)] } } }).resolves({
        Responses: { [TABLE]: [item] },
      });
    }
  });

  it('has asked for the next page by the time it hands out one, so workers never wait between pages', async () => {
    const reader = new DueIndexReader(documents, TABLE, new RecordingLog());
    const pages = reader.dueIn(WATCHED, NOW, 1)[Symbol.asyncIterator]();

    const first = await pages.next();
    const firstIds = first.done === true ? [] : first.value.map((job) => job.jobId);
    const askedWhileFirstIsHandedOut = dynamo.commandCalls(BatchGetCommand).length;
    const rest: string[] = [];
    for (let page = await pages.next(); page.done !== true; page = await pages.next())
      rest.push(...page.value.map((job) => job.jobId));

    expect(firstIds).toEqual([JOB_IDS[0]]);
    expect(askedWhileFirstIsHandedOut).toBe(2);
    expect(rest).toEqual(JOB_IDS.slice(1));
    expect(dynamo.commandCalls(BatchGetCommand)).toHaveLength(3);
  });
});
