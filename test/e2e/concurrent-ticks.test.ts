import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoDbJobStore } from '../../functions/core/adapters/dynamodb/job-store.js';
import type { TickSummary } from '../../functions/core/use-cases/poll-tick.js';
import { trackJob } from '../../functions/core/use-cases/track-job.js';
import { documentClient } from '../../functions/core/wiring.js';
import { CompanyEnrichSimulator } from '../../local/simulator/index.js';
import { startDynalite } from '../support/dynalite.js';
import {
  createJobsTable,
  createTopic,
  drainQueue,
  dynamoDbClientFor,
  motoClients,
  subscribeQueue,
  uniqueName,
} from '../support/emulators.js';
import { FakeClock } from '../support/fake-clock.js';
import { RecordingLog } from '../support/watcher-harness.js';

const API_KEY = 'ce_race_key';
const MINUTE = 60_000;

/**
 * Two scheduled invocations racing over the same due jobs (a retried or duplicated schedule).
 *
 * The store runs on dynalite, not moto: the guarantee rests on DynamoDB applying a conditional
 * write atomically, and moto_server checks conditions without a lock (under concurrent requests
 * two writers guarded by the same condition can both succeed), so on moto this test would fail
 * for moto's reason. dynalite serialises writes per item as DynamoDB does. SNS and Secrets
 * Manager stay on moto.
 */
describe('two poll ticks at once', () => {
  const clients = motoClients();
  const clock = new FakeClock('2026-11-29T10:00:00.000Z');
  const simulator = new CompanyEnrichSimulator({ apiKey: API_KEY, clock: () => clock.now(), seed: 7 });
  let dynalite: Awaited<ReturnType<typeof startDynalite>>;
  let handler: (event: unknown, context: Context) => Promise<TickSummary>;
  let store: DynamoDbJobStore;
  let queueUrl: string;

  const context = {
    functionName: 'poll',
    awsRequestId: 'race',
    getRemainingTimeInMillis: () => 50_000,
  } as Context;

  beforeAll(async () => {
    dynalite = await startDynalite();
    const dynamoDb = dynamoDbClientFor(dynalite.endpoint);
    const { url } = await simulator.start();
    const tableName = await createJobsTable(dynamoDb);
    const topic = await createTopic(clients.sns);
    queueUrl = await subscribeQueue(clients, topic);
    const { ARN } = await clients.secretsManager.send(
      new CreateSecretCommand({ Name: uniqueName('api-key'), SecretString: API_KEY }),
    );
    store = new DynamoDbJobStore(documentClient(dynamoDb), tableName, new RecordingLog());

    vi.stubEnv('AWS_ENDPOINT_URL', clients.endpoint);
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', dynalite.endpoint);
    vi.stubEnv('JOBS_TABLE_NAME', tableName);
    vi.stubEnv('EVENTS_TOPIC_ARN', topic);
    vi.stubEnv('OPERATOR_TOPIC_ARN', await createTopic(clients.sns));
    vi.stubEnv('COMPANYENRICH_API_KEY_SECRET_ARN', ARN ?? '');
    vi.stubEnv('COMPANYENRICH_API_URL', url);
    const module = await import('../../functions/poll/handler.js');
    handler = (event, invocation) => module.handler(event, invocation);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await simulator.stop();
    await dynalite.stop();
  });

  it('never doubles a transition or a notification', async () => {
    const jobIds = Array.from({ length: 20 }, (_, index) =>
      simulator.createJob({
        totalDomains: 100 + index,
        pendingMs: MINUTE,
        processingMs: MINUTE,
        completingMs: MINUTE,
        outcome: index % 2 ? 'failed' : 'completed',
        createdAt: clock.now(),
      }),
    );
    for (const jobId of jobIds) await trackJob({ jobs: store, clock }, { jobId, label: null });

    // Every job is finished before the ticks run, so both see the same work.
    clock.advance(4 * MINUTE);
    const event = { time: clock.now().toISOString() };
    const [first, second] = await Promise.all([handler(event, context), handler(event, context)]);

    // Both ticks really raced over the same jobs: the losers' writes were refused...
    expect(first.conflicts + second.conflicts).toBeGreaterThan(0);
    // ...and every job was recorded and announced exactly once.
    expect(first.transitions + second.transitions).toBe(20);
    expect(first.notified + second.notified).toBe(20);
    const events = (await drainQueue(clients.sqs, queueUrl)).map(
      (envelope) => JSON.parse(envelope.Message) as { event_id: string },
    );
    expect(events).toHaveLength(20);
    expect(new Set(events.map((delivered) => delivered.event_id)).size).toBe(20);
    for (const jobId of jobIds) {
      const job = await store.get(jobId);
      expect(job?.history).toHaveLength(1);
      expect(job?.notificationOwed).toBeNull();
    }
  });
});
