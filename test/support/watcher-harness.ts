import { DeleteTopicCommand } from '@aws-sdk/client-sns';
import { StaticApiKey } from '../../functions/core/adapters/api-key.js';
import { CompanyEnrichStatusApi } from '../../functions/core/adapters/companyenrich-status-api.js';
import { DynamoDbJobStore } from '../../functions/core/adapters/dynamodb/job-store.js';
import { DynamoDbWatcherStateStore } from '../../functions/core/adapters/dynamodb/watcher-state-store.js';
import { SnsNotifier } from '../../functions/core/adapters/sns-notifier.js';
import {
  ALERT_CHANNELS,
  ALL_CHANNELS,
  JOB_CHANNELS,
  type NotificationChannel,
} from '../../functions/core/domain/notification-channel.js';
import type { Log } from '../../functions/core/ports.js';
import {
  runPollTick,
  type PollTickDeps,
  type TickPolicy,
  type TickSummary,
} from '../../functions/core/use-cases/poll-tick.js';
import { trackJob } from '../../functions/core/use-cases/track-job.js';
import { documentClient } from '../../functions/core/wiring.js';
import { seededRandom } from '../../local/random.js';
import { CompanyEnrichSimulator, type SimulatedJobPlan } from '../../local/simulator/index.js';
import {
  createJobsTable,
  createTopic,
  drainQueue,
  motoClients,
  subscribeQueue,
  uniqueName,
  type SnsEnvelope,
} from './emulators.js';
import { FakeClock } from './fake-clock.js';

export const API_KEY = 'ce_test_key_never_logged_42';
export const MINUTE = 60_000;

/** Production defaults for a one-minute schedule, with a short request timeout for tests. */
export const TEST_POLICY: TickPolicy = {
  pollIntervalMs: MINUTE,
  maxBackoffMs: 30 * MINUTE,
  notFoundLimit: 3,
  notificationLeaseMs: 5 * MINUTE,
  retentionMs: 90 * 86_400_000,
  concurrency: 4,
  pageSize: 7,
  requestTimeoutMs: 2_000,
};

/** A log that remembers what was logged, so tests can assert on it (and on what was not). */
export class RecordingLog implements Log {
  readonly entries: { level: string; message: string; attributes: Record<string, unknown> }[] = [];
  private record(level: string, message: string, attributes: Record<string, unknown>[]): void {
    this.entries.push({
      level,
      message,
      attributes: Object.assign({}, ...attributes) as Record<string, unknown>,
    });
  }
  debug(message: string, ...attributes: Record<string, unknown>[]): void {
    this.record('debug', message, attributes);
  }
  info(message: string, ...attributes: Record<string, unknown>[]): void {
    this.record('info', message, attributes);
  }
  warn(message: string, ...attributes: Record<string, unknown>[]): void {
    this.record('warn', message, attributes);
  }
  error(message: string, ...attributes: Record<string, unknown>[]): void {
    this.record('error', message, attributes);
  }
}

/**
 * A whole watcher on real emulators: jobs table and topic in moto, an SQS queue subscribed to
 * the topic (what a subscriber receives), and the CompanyEnrich simulator on loopback, all
 * driven by one fake clock that the test advances tick by tick.
 */
export async function startWatcher(options: { policy?: Partial<TickPolicy>; seed?: number } = {}) {
  const clients = motoClients();
  const clock = new FakeClock('2026-11-29T10:00:00.000Z');
  const simulator = new CompanyEnrichSimulator({
    apiKey: API_KEY,
    clock: () => clock.now(),
    seed: options.seed ?? 11,
  });
  const { url } = await simulator.start();
  const tableName = await createJobsTable(clients.dynamoDb);
  // One topic per channel, each with an SQS queue that receives exactly what a subscriber would.
  const topicNames = Object.fromEntries(
    ALL_CHANNELS.map((channel) => [channel, uniqueName(channel)]),
  ) as Record<NotificationChannel, string>;
  const topics = {} as Record<NotificationChannel, string>;
  const queues = {} as Record<NotificationChannel, string>;
  for (const channel of ALL_CHANNELS) {
    topics[channel] = await createTopic(clients.sns, topicNames[channel]);
    queues[channel] = await subscribeQueue(clients, topics[channel]);
  }
  const log = new RecordingLog();
  const store = new DynamoDbJobStore(documentClient(clients.dynamoDb), tableName, log);
  const watcherState = new DynamoDbWatcherStateStore(documentClient(clients.dynamoDb), tableName);
  const policy = { ...TEST_POLICY, ...options.policy };
  const deps: PollTickDeps = {
    jobs: store,
    watcherState,
    statusApi: new CompanyEnrichStatusApi({
      baseUrl: url,
      apiKeys: new StaticApiKey(API_KEY),
      timeoutMs: policy.requestTimeoutMs,
      retryDelayMs: 5,
    }),
    // As deployed: job notifications to the subscribers' topics, account alerts to the operator's.
    notifier: new SnsNotifier(clients.sns, topicsOf(topics, JOB_CHANNELS)),
    alertNotifier: new SnsNotifier(clients.sns, topicsOf(topics, ALERT_CHANNELS)),
    log,
    clock,
    random: seededRandom(options.seed ?? 11),
    policy,
  };
  const delivered: Record<NotificationChannel, SnsEnvelope[]> = {
    events: [],
    email: [],
    sms: [],
    operator: [],
  };
  const collect = async (channel: NotificationChannel): Promise<SnsEnvelope[]> => {
    delivered[channel].push(...(await drainQueue(clients.sqs, queues[channel])));
    return [...delivered[channel]];
  };

  return {
    clients,
    clock,
    simulator,
    store,
    watcherState,
    log,
    deps,
    tableName,
    topics,
    simulatorUrl: url,
    /** Creates a job in the simulator (created now) and tracks it. */
    async createAndTrack(
      plan: Omit<SimulatedJobPlan, 'createdAt'>,
      label: string | null = null,
    ): Promise<string> {
      const jobId = simulator.createJob({ ...plan, createdAt: clock.now() });
      await trackJob({ jobs: store, clock }, { jobId, label, metadata: { suite: 'watcher' } });
      return jobId;
    },
    /** Runs one tick at the clock's current time, as the schedule would. */
    tick(overrides: Partial<PollTickDeps> = {}, deadline: Date | null = null): Promise<TickSummary> {
      return runPollTick({ ...deps, ...overrides }, { now: clock.now(), deadline });
    },
    /** Advances the clock by `ms`, then runs a tick. */
    async tickAfter(ms: number, overrides: Partial<PollTickDeps> = {}): Promise<TickSummary> {
      clock.advance(ms);
      return runPollTick({ ...deps, ...overrides }, { now: clock.now(), deadline: null });
    },
    /** Everything the JSON-event subscriber has received so far (accumulated across calls). */
    delivered(): Promise<SnsEnvelope[]> {
      return collect('events');
    },
    /** Everything the subscriber of one channel has received so far. */
    deliveredOn(channel: NotificationChannel): Promise<SnsEnvelope[]> {
      return collect(channel);
    },
    /** Deletes a channel's topic so publishing to it fails, as in an outage or a misconfiguration. */
    async breakTopic(channel: NotificationChannel = 'events'): Promise<void> {
      await collect(channel);
      await clients.sns.send(new DeleteTopicCommand({ TopicArn: topics[channel] }));
    },
    /** Re-creates a channel's topic (same name, so the same ARN) and its subscriber. */
    async repairTopic(channel: NotificationChannel = 'events'): Promise<void> {
      topics[channel] = await createTopic(clients.sns, topicNames[channel]);
      queues[channel] = await subscribeQueue(clients, topics[channel]);
    },
    async stop(): Promise<void> {
      await simulator.stop();
    },
  };
}

/** The topics of `channels` only. */
function topicsOf(
  topics: Record<NotificationChannel, string>,
  channels: readonly NotificationChannel[],
): Partial<Record<NotificationChannel, string>> {
  return Object.fromEntries(channels.map((channel) => [channel, topics[channel]]));
}

export type Watcher = Awaited<ReturnType<typeof startWatcher>>;

/** The JSON event inside an SNS envelope. */
export function eventOf(envelope: SnsEnvelope): Record<string, unknown> {
  return JSON.parse(envelope.Message) as Record<string, unknown>;
}
