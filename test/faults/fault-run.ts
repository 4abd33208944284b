/**
 * Runs a fault schedule: the stack on the emulators (dynalite for the table, moto for SNS, SQS
 * and Secrets Manager, each behind a recording proxy that also injects the AWS faults), the
 * simulator driven to misbehave, and the functions' containers invoked minute by minute on a
 * simulated clock (only `Date` is faked; timers, sockets and timeouts are real).
 */
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { vi } from 'vitest';
import { HmacWebhookTokens, StaticSecret } from '../../functions/core/adapters/webhook-tokens.js';
import type { RenderedNotification } from '../../functions/core/domain/notification.js';
import { createStores, type Stores } from '../../functions/core/wiring.js';
import { seededRandom } from '../../local/random.js';
import { CompanyEnrichSimulator } from '../../local/simulator/index.js';
import { apiGatewayEvent } from '../support/api-gateway-event.js';
import {
  startAwsCallRecorder,
  type AwsCallRecorder,
  type RecordedCall,
} from '../support/aws-call-recorder.js';
import { AwsFaults } from '../support/aws-faults.js';
import { startDynalite } from '../support/dynalite.js';
import { drainQueue, dynamoDbClientFor, motoClients, subscribeQueue } from '../support/emulators.js';
import { RecordingLog } from '../support/watcher-harness.js';
import { FAULT_RUN_API_TIMEOUT_MS, MINUTE, type FaultSchedule, type PlannedJob } from './fault-schedule.js';
import { CHANNELS, type Channel, type Observations } from './fault-table.js';
import {
  pollContainer,
  webhookContainer,
  type KillPoints,
  type PollContainer,
  type WebhookContainer,
} from './function-containers.js';
import { KillSwitch } from './kill-switch.js';
import { deployStack, type StackFixture, type StackFunction } from './stack-fixture.js';

export const RUN_START = Date.parse('2026-11-29T10:00:00.000Z');
const API_KEY = 'ce_live_fault_run_key_1';
const ROTATED_KEY = 'ce_live_fault_run_key_2';
const WEBHOOK_SECRET = 'whsec_fault_run_secret';

/** Everything a finished run hands to the table and the IAM check. */
export interface FaultRunResult extends Observations {
  /** Every AWS call the functions made, by the function's access key id. */
  calls: RecordedCall[];
  kills: {
    afterTerminalWrite: string[];
    afterPublish: string[];
    /** Every job a killed invocation had started publishing: its notification may go out twice. */
    publishedThenKilled: string[];
  };
  publishesRefused: number;
  writesThrottled: number;
  invocationErrors: number;
  webhookCalls: number;
  stack: StackFixture;
}

/** The emulators and the stack, ready for a run. */
async function startWorld(schedule: FaultSchedule) {
  const moto = motoClients();
  const dynalite = await startDynalite();
  let statusRequests = 0;
  // Counted here: the simulator's own log keeps only the latest 10,000 requests.
  const simulator = new CompanyEnrichSimulator({
    apiKey: API_KEY,
    clock: () => new Date(),
    seed: schedule.seed,
    onRequest: (request) => {
      if (request.method === 'GET' && request.path.startsWith('/companies/enrich/bulk/')) statusRequests += 1;
    },
  });
  const simulatorStarted = await simulator.start();
  const faults = new AwsFaults(() => Date.now());
  const recorders: AwsCallRecorder[] = [
    await startAwsCallRecorder(dynalite.endpoint, { intercept: faults.intercept }),
    await startAwsCallRecorder(moto.endpoint, { intercept: faults.intercept }),
  ];
  const direct = dynamoDbClientFor(dynalite.endpoint);
  const stack = await deployStack({
    moto,
    dynalite: direct,
    apiKey: API_KEY,
    webhookSecret: WEBHOOK_SECRET,
    apiEndpoint: 'https://faults0001.execute-api.us-east-1.amazonaws.com',
  });
  const tableName = stack.poll.environment.JOBS_TABLE_NAME ?? '';
  const stores = createStores(direct, tableName, new RecordingLog(), {
    retentionMs: null,
    clock: { now: () => new Date() },
  });
  const queues = {} as Record<Channel, string>;
  const topicOf: Record<Channel, string | undefined> = {
    events: stack.poll.environment.EVENTS_TOPIC_ARN,
    email: stack.poll.environment.EMAIL_TOPIC_ARN,
    sms: stack.poll.environment.SMS_TOPIC_ARN,
  };
  for (const channel of CHANNELS) {
    const topic = topicOf[channel];
    if (!topic) throw new Error(`the poll function has no ${channel} topic`);
    queues[channel] = await subscribeQueue(moto, topic);
  }
  const [dynamoRecorder, motoRecorder] = recorders as [AwsCallRecorder, AwsCallRecorder];
  return {
    moto,
    simulator,
    simulatorUrl: simulatorStarted.url,
    statusRequests: () => statusRequests,
    faults,
    stack,
    stores,
    queues,
    topicOf,
    endpoints: { dynamoDb: dynamoRecorder.endpoint, moto: motoRecorder.endpoint },
    recorders,
    stop: async () => {
      await simulator.stop();
      for (const recorder of recorders) await recorder.close();
      await dynalite.stop();
      stack.dispose();
    },
  };
}

type World = Awaited<ReturnType<typeof startWorld>>;

/** Only `fn`'s template variables (the other function's unset), with the run's endpoints. */
function useEnvironment(world: World, fn: StackFunction, other: StackFunction): void {
  for (const name of Object.keys(other.environment)) {
    if (!(name in fn.environment)) vi.stubEnv(name, undefined);
  }
  for (const [name, value] of Object.entries(fn.environment)) vi.stubEnv(name, value);
  vi.stubEnv('COMPANYENRICH_API_URL', world.simulatorUrl);
  vi.stubEnv('AWS_ENDPOINT_URL', world.endpoints.moto);
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', world.endpoints.dynamoDb);
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  vi.stubEnv('API_TIMEOUT_MS', String(FAULT_RUN_API_TIMEOUT_MS));
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
}

async function newPollContainer(world: World, seed: number): Promise<PollContainer> {
  useEnvironment(world, world.stack.poll, world.stack.webhook);
  return pollContainer(world.stack.poll, seed);
}

async function newWebhookContainer(world: World, seed: number): Promise<WebhookContainer> {
  useEnvironment(world, world.stack.webhook, world.stack.poll);
  return webhookContainer(world.stack.webhook, seed);
}

/** Tracks every job (webhook jobs through a created submission) and returns each callback's path. */
async function trackJobs(world: World, jobs: PlannedJob[], stores: Stores): Promise<Map<string, string>> {
  const tokens = new HmacWebhookTokens(new StaticSecret(WEBHOOK_SECRET), 'https://hooks.faults.test');
  const paths = new Map<string, string>();
  const trackedAt = new Date(RUN_START).toISOString();
  for (const [index, job] of jobs.entries()) {
    world.simulator.createJob({ ...job.plan, createdAt: new Date(RUN_START) });
    const { jobId } = job.plan;
    await stores.jobs.track({
      jobId,
      label: `Fault run ${index}`,
      metadata: {},
      trackedAt,
      webhook: job.webhook,
    });
    if (!job.webhook) continue;
    const submissionId = `${jobId.slice(0, 24)}${String(index).padStart(12, '0')}`;
    await stores.submissions.reserve({
      idempotencyKey: submissionId,
      requestHash: 'faults',
      leaseUntil: trackedAt,
    });
    await stores.submissions.complete(submissionId, jobId, { job_id: jobId });
    const url = await tokens.urlFor(submissionId);
    if (url) paths.set(jobId, new URL(url).pathname);
  }
  return paths;
}

/** Starts and ends the account-wide incidents and queues the per-job faults due at `minute`. */
async function applyFaults(world: World, schedule: FaultSchedule, minute: number): Promise<void> {
  const { simulator } = world;
  for (const window of schedule.incidents) {
    const step = minute - window.from;
    if (step === window.minutes) {
      simulator.setStatusFault(null);
      simulator.setAccountState('ok');
    }
    if (step < 0 || step >= window.minutes) continue;
    const serve = window.serve[step] ?? null;
    simulator.setStatusFault(typeof serve === 'object' ? serve : null);
    simulator.setAccountState(serve === 'unauthorized' ? 'unauthorized' : 'ok');
    if (serve === 'rotate-key') {
      // The operator rotates: the new key is stored and the old one revoked at the same moment.
      simulator.setApiKey(ROTATED_KEY);
      const secretId = world.stack.poll.environment.COMPANYENRICH_API_KEY_SECRET_ARN;
      await world.moto.secretsManager.send(
        new PutSecretValueCommand({ SecretId: secretId, SecretString: ROTATED_KEY }),
      );
    }
  }
  for (const job of schedule.jobs) {
    for (const planned of job.faults.filter((fault) => fault.at === minute)) {
      for (const fault of planned.sequence) simulator.injectFault(job.plan.jobId, fault);
    }
  }
}

/** The kill points of one invocation at `minute`, recording who died where. */
function killPoints(
  schedule: FaultSchedule,
  minute: number,
  random: () => number,
  kills: FaultRunResult['kills'],
  published: Set<string>,
): KillPoints {
  const open = (window: { from: number; minutes: number }): boolean =>
    minute >= window.from && minute < window.from + window.minutes;
  const points: KillPoints = {
    publishing: (_method, args) => {
      const jobId = (args[0] as RenderedNotification | undefined)?.attributes.job_id;
      if (jobId) published.add(jobId);
    },
  };
  if (open(schedule.killAfterTerminalWrite)) {
    points.jobs = (method, args) => {
      const update = args[1] as { notificationOwed?: unknown } | undefined;
      const job = args[0] as { jobId?: string } | undefined;
      if (method !== 'applyUpdate' || !update?.notificationOwed || !job?.jobId) return false;
      if (random() >= schedule.killAfterTerminalWrite.probability) return false;
      kills.afterTerminalWrite.push(job.jobId);
      return true;
    };
  }
  if (open(schedule.killAfterPublish)) {
    points.notifier = (method, args) => {
      const jobId = (args[0] as RenderedNotification | undefined)?.attributes.job_id;
      if (method !== 'publish' || !jobId) return false;
      if (random() >= schedule.killAfterPublish.probability) return false;
      kills.afterPublish.push(jobId);
      return true;
    };
  }
  return points;
}

function shuffled<T>(items: T[], random: () => number): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}

/** Runs `schedule` from start to end and gathers what the table and the IAM check need. */
export async function runFaultSchedule(schedule: FaultSchedule): Promise<FaultRunResult> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(RUN_START);
  const world = await startWorld(schedule);
  try {
    return await run(world, schedule);
  } finally {
    vi.useRealTimers();
    vi.unstubAllEnvs();
    await world.stop();
  }
}

async function run(world: World, schedule: FaultSchedule): Promise<FaultRunResult> {
  const random = seededRandom(schedule.seed ^ 0x5eed);
  world.faults.failPublish([world.topicOf.email ?? '', world.topicOf.sms ?? ''], {
    from: RUN_START + schedule.publishOutage.from * MINUTE,
    until: RUN_START + (schedule.publishOutage.from + schedule.publishOutage.minutes) * MINUTE,
  });
  world.faults.throttleWrites(schedule.throttle.jobIds, {
    from: RUN_START + schedule.throttle.from * MINUTE,
    until: RUN_START + (schedule.throttle.from + schedule.throttle.minutes) * MINUTE,
  });
  const callbackPaths = await trackJobs(world, schedule.jobs, world.stores);
  const callbacks = schedule.jobs.flatMap((job) =>
    job.callbacksAfterMs.map((after) => ({
      at: RUN_START + after,
      path: callbackPaths.get(job.plan.jobId) ?? '',
    })),
  );
  const kills: FaultRunResult['kills'] = {
    afterTerminalWrite: [],
    afterPublish: [],
    publishedThenKilled: [],
  };
  let seeds = schedule.seed * 100;
  const polls: PollContainer[] = [];
  for (let index = 0; index < schedule.size.concurrentTicks; index += 1)
    polls.push(await newPollContainer(world, (seeds += 1)));
  const hooks = [
    await newWebhookContainer(world, (seeds += 1)),
    await newWebhookContainer(world, (seeds += 1)),
  ];
  let invocationErrors = 0;
  let webhookCalls = 0;
  for (let minute = 0; minute < schedule.size.minutes; minute += 1) {
    const at = RUN_START + minute * MINUTE;
    const minuteStarted = performance.now();
    vi.setSystemTime(at);
    await applyFaults(world, schedule, minute);
    const due = shuffled(
      callbacks.filter((callback) => callback.at <= at && callback.at > at - MINUTE),
      random,
    );
    webhookCalls += due.length;
    const switches = polls.map(() => new KillSwitch());
    const published = polls.map(() => new Set<string>());
    const event = world.stack.schedule.eventAt(new Date(at));
    const outcomes = await Promise.allSettled([
      ...polls.map((container, index) =>
        container.invoke(
          event,
          switches[index] as KillSwitch,
          killPoints(schedule, minute, random, kills, published[index] as Set<string>),
        ),
      ),
      ...due.map((callback, index) =>
        (hooks[index % hooks.length] as WebhookContainer).invoke(
          apiGatewayEvent({
            method: 'POST',
            path: callback.path,
            headers: { 'content-type': 'application/json' },
            body: '{}',
          }),
        ),
      ),
    ]);
    invocationErrors += outcomes.filter((outcome) => outcome.status === 'rejected').length;
    if (process.env.FAULT_RUN_TRACE) {
      const summaries = outcomes.map((outcome) =>
        outcome.status === 'rejected' ? `error ${String(outcome.reason)}` : JSON.stringify(outcome.value),
      );
      const took = Math.round(performance.now() - minuteStarted);
      process.stdout.write(`minute ${minute} (${took} ms)\n  ${summaries.join('\n  ')}\n`);
    }
    // A killed invocation's container is gone; Lambda starts a new one for the next event.
    for (const [index, kill] of switches.entries()) {
      if (!kill.isKilled) continue;
      kills.publishedThenKilled.push(...(published[index] ?? []));
      polls[index] = await newPollContainer(world, (seeds += 1));
    }
  }
  return collect(world, { kills, invocationErrors, webhookCalls });
}

async function collect(
  world: World,
  counts: Pick<FaultRunResult, 'kills' | 'invocationErrors' | 'webhookCalls'>,
): Promise<FaultRunResult> {
  const received = {} as Record<Channel, Awaited<ReturnType<typeof drainQueue>>>;
  for (const channel of CHANNELS) received[channel] = await drainQueue(world.moto.sqs, world.queues[channel]);
  const finalStatus = new Map<string, string>();
  for await (const job of world.stores.jobs.list()) finalStatus.set(job.jobId, job.status);
  const calls = world.recorders.flatMap((recorder) => recorder.drain());
  const log = world.faults.log;
  return {
    ...counts,
    start: RUN_START,
    finalStatus,
    received,
    killedAfterPublish: new Set(counts.kills.publishedThenKilled),
    settleThrottled: new Set(log.writesThrottled.filter((write) => write.settle).map((write) => write.jobId)),
    publishAnswerLost: new Set(calls.flatMap((call) => jobOfLostPublish(call) ?? [])),
    statusRequests: world.statusRequests(),
    calls,
    publishesRefused: [...log.publishesRefused.values()].reduce((sum, n) => sum + n, 0),
    writesThrottled: log.writesThrottled.length,
    stack: world.stack,
  };
}

/**
 * The job of a `Publish` that SNS accepted (moto answered 200) after the function had stopped
 * waiting for it (its request timed out): the message went out, the function saw a failure and
 * publishes it again. The same window as a kill between publish and settle.
 */
function jobOfLostPublish(call: RecordedCall): string | null {
  if (!call.answerLost || call.status !== 200) return null;
  const form = new URLSearchParams(call.body);
  if (form.get('Action') !== 'Publish') return null;
  for (let entry = 1; form.has(`MessageAttributes.entry.${entry}.Name`); entry += 1) {
    if (form.get(`MessageAttributes.entry.${entry}.Name`) === 'job_id') {
      return form.get(`MessageAttributes.entry.${entry}.Value.StringValue`);
    }
  }
  return null;
}
