import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AWS_CLIENT_BOUNDS,
  AwsCallError,
  AwsCallFailure,
  worstCaseCallMs,
} from '../../functions/core/adapters/aws-call.js';
import { DynamoDbWatcherStateStore } from '../../functions/core/adapters/dynamodb/watcher-state-store.js';
import { SnsNotifier } from '../../functions/core/adapters/sns-notifier.js';
import type { OwedNotification } from '../../functions/core/domain/job.js';
import { renderJobNotification } from '../../functions/core/domain/notification.js';
import { StatusApiError, StatusApiErrorKind } from '../../functions/core/domain/errors.js';
import { runPollTick, TickIncompleteError } from '../../functions/core/use-cases/poll-tick.js';
import { createAwsClients, createStores, documentClient } from '../../functions/core/wiring.js';
import { seededRandom } from '../../local/random.js';
import { JOB_ID, snapshot, trackedJob } from '../support/builders.js';
import { createJobsTable, motoClients } from '../support/emulators.js';
import { RecordingLog, TEST_POLICY } from '../support/watcher-harness.js';

/** A loopback server that accepts every connection and never answers: a hung AWS endpoint. */
async function startSilentEndpoint(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('No port assigned');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

const terminalJob = trackedJob({
  jobId: JOB_ID,
  status: 'completed',
  snapshot: snapshot({ job_id: JOB_ID, status: 'completed' }),
});
const owed: OwedNotification = {
  eventId: `${JOB_ID}:completed`,
  status: 'completed',
  previousStatus: 'completing',
  detectedAt: '2026-11-29T10:05:00.000Z',
  deliveredChannels: [],
};

describe('AWS calls against an endpoint that accepts connections and never answers', () => {
  let silent: Awaited<ReturnType<typeof startSilentEndpoint>>;
  beforeAll(async () => {
    silent = await startSilentEndpoint();
  });
  afterAll(async () => {
    await silent.stop();
  });

  it('a DynamoDB read gives up within its configured bound, as a typed timeout', async () => {
    const clients = createAwsClients({ endpoint: silent.endpoint });
    const { jobs } = createStores(clients.dynamoDb, 'jobs', new RecordingLog());
    const started = Date.now();
    const error: unknown = await jobs.get(JOB_ID).catch((caught: unknown) => caught);
    const elapsed = Date.now() - started;

    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ service: 'DynamoDB', failure: AwsCallFailure.Timeout });
    // Every attempt ran to its request timeout: the bound is the configured one, not a hang.
    const bounds = AWS_CLIENT_BOUNDS.dynamoDb;
    expect(elapsed).toBeGreaterThanOrEqual(bounds.maxAttempts * bounds.requestTimeoutMs - 100);
    expect(elapsed).toBeLessThanOrEqual(worstCaseCallMs(bounds));
  }, 20_000);

  it("an SNS publish is given up as soon as the caller's signal aborts", async () => {
    const clients = createAwsClients({ endpoint: silent.endpoint });
    const notifier = new SnsNotifier(clients.sns, { events: 'arn:aws:sns:us-east-1:000000000000:t' });
    const started = Date.now();
    const error: unknown = await notifier
      .publish(renderJobNotification(terminalJob, owed), 'events', { signal: AbortSignal.timeout(300) })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ service: 'SNS', failure: AwsCallFailure.Aborted });
    expect(Date.now() - started).toBeLessThan(AWS_CLIENT_BOUNDS.sns.requestTimeoutMs);
  }, 20_000);

  it('a tick whose jobs table hangs stops at its deadline and reports the failure', async () => {
    const moto = motoClients();
    const stateTable = await createJobsTable(moto.dynamoDb);
    const hung = createAwsClients({ endpoint: silent.endpoint });
    const log = new RecordingLog();
    const statusApi = {
      getJobStatus: () => Promise.reject(new StatusApiError(StatusApiErrorKind.Network, 'never called here')),
    };
    const started = Date.now();
    // Room for the query's first attempt, not for all of them: only the deadline can stop it in time.
    const deadline = new Date(started + 3_000);

    const error: unknown = await runPollTick(
      {
        jobs: createStores(hung.dynamoDb, 'jobs', log).jobs,
        watcherState: new DynamoDbWatcherStateStore(documentClient(moto.dynamoDb), stateTable),
        statusApi,
        notifier: new SnsNotifier(hung.sns, { events: 'arn:aws:sns:us-east-1:000000000000:t' }),
        alertNotifier: new SnsNotifier(hung.sns, { events: 'arn:aws:sns:us-east-1:000000000000:t' }),
        log,
        clock: { now: () => new Date() },
        random: seededRandom(3),
        policy: TEST_POLICY,
      },
      { now: new Date(started), deadline },
    ).catch((caught: unknown) => caught);

    expect(Date.now()).toBeLessThan(deadline.getTime());
    expect(error).toBeInstanceOf(TickIncompleteError);
    const incomplete = error as TickIncompleteError;
    expect(incomplete.summary.errors).toMatchObject({ internal: 1 });
    expect(incomplete.cause).toBeInstanceOf(AwsCallError);
    expect(incomplete.cause).toMatchObject({ service: 'DynamoDB', failure: AwsCallFailure.Aborted });
  }, 20_000);
});
