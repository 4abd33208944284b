import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoDbJobStore } from '../../functions/core/adapters/dynamodb/job-store.js';
import type { HistoryEntry } from '../../functions/core/domain/job.js';
import type { TickSummary } from '../../functions/core/use-cases/poll-tick.js';
import { trackJob } from '../../functions/core/use-cases/track-job.js';
import { documentClient } from '../../functions/core/wiring.js';
import { seededRandom } from '../../local/random.js';
import { CompanyEnrichSimulator } from '../../local/simulator/index.js';
import {
  createJobsTable,
  createTopic,
  drainQueue,
  motoClients,
  subscribeQueue,
  uniqueName,
} from '../support/emulators.js';
import { FakeClock } from '../support/fake-clock.js';
import { RecordingLog } from '../support/watcher-harness.js';

const API_KEY = 'ce_live_e2e_key_that_must_never_leak';
const MINUTE = 60_000;
const LIFECYCLE = ['pending', 'processing', 'completing'];

interface JobPlan {
  totalDomains: number;
  pendingMs: number;
  processingMs: number;
  completingMs: number;
  outcome: 'completed' | 'failed';
  successRatio: number;
  failureMessage?: string;
  createdAt: Date;
}

/**
 * What CompanyEnrich reports for a finished job, worked out from its plan rather than read back
 * from the simulator: `successRatio` of the domains enriched (rounded), the rest failed, one credit
 * per enriched domain, started after the pending phase and finished after all three phases.
 */
function finishedDocument(jobId: string, plan: JobPlan): Record<string, unknown> {
  const enriched = Math.round(plan.totalDomains * plan.successRatio);
  const createdMs = plan.createdAt.getTime();
  const startedMs = createdMs + plan.pendingMs;
  const finishedMs = startedMs + plan.processingMs + plan.completingMs;
  return {
    job_id: jobId,
    status: plan.outcome,
    total_domains: plan.totalDomains,
    success_count: enriched,
    failed_count: plan.totalDomains - enriched,
    credits_charged: enriched,
    created_at: new Date(createdMs).toISOString(),
    started_at: new Date(startedMs).toISOString(),
    completed_at: new Date(finishedMs).toISOString(),
    // A pre-signed link whose signature only the simulator knows: its shape is what is certain.
    results_url:
      plan.outcome === 'completed'
        ? (expect.stringMatching(
            new RegExp(`^https://[^/]+/bulk/${jobId}\\.jsonl\\?.*X-Amz-Signature=`),
          ) as string)
        : null,
    error_message: plan.failureMessage ?? null,
  };
}

/** A Lambda context with a generous deadline (or the given one). */
function lambdaContext(remainingMs = 50_000): Context {
  // The deprecated callback-style members are left out: nothing calls them.
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'enrich-job-watch-poll',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:enrich-job-watch-poll',
    memoryLimitInMB: '256',
    awsRequestId: 'e2e-request',
    logGroupName: '/aws/lambda/enrich-job-watch-poll',
    logStreamName: 'e2e',
    getRemainingTimeInMillis: () => remainingMs,
  } as Context;
}

function scheduledEvent(time: Date): Record<string, unknown> {
  return {
    version: '0',
    id: 'e2e',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: time.toISOString().replace('.000Z', 'Z'),
    region: 'us-east-1',
    resources: ['arn:aws:events:us-east-1:123456789012:rule/enrich-job-watch-poll'],
    detail: {},
  };
}

/** One test's own deployment: table, topics with subscribed queues, secret, simulator, handler. */
interface Deployment {
  clock: FakeClock;
  simulator: CompanyEnrichSimulator;
  store: DynamoDbJobStore;
  queues: { events: string; email: string; sms: string };
  /** Runs one scheduled invocation at the clock's time. */
  tick: (remainingMs?: number) => Promise<TickSummary>;
}

/**
 * Deploys the handler module (functions/poll/handler.ts) afresh, wired by its own production code
 * from environment variables, against moto (DynamoDB, SNS, Secrets Manager) and a new simulator.
 * The module reads its configuration once, at cold start, so it is loaded anew for each test:
 * no test sees another's jobs, clock or notifications.
 */
async function deploy(clients: ReturnType<typeof motoClients>): Promise<Deployment> {
  const clock = new FakeClock('2026-11-29T10:00:00.000Z');
  const simulator = new CompanyEnrichSimulator({ apiKey: API_KEY, clock: () => clock.now(), seed: 2026 });
  const { url } = await simulator.start();
  const tableName = await createJobsTable(clients.dynamoDb);
  const eventsTopic = await createTopic(clients.sns);
  const emailTopic = await createTopic(clients.sns);
  const smsTopic = await createTopic(clients.sns);
  const operatorTopic = await createTopic(clients.sns);
  const queues = {
    events: await subscribeQueue(clients, eventsTopic),
    email: await subscribeQueue(clients, emailTopic),
    sms: await subscribeQueue(clients, smsTopic),
  };
  const { ARN } = await clients.secretsManager.send(
    new CreateSecretCommand({ Name: uniqueName('companyenrich-api-key'), SecretString: API_KEY }),
  );

  vi.stubEnv('AWS_ENDPOINT_URL', clients.endpoint);
  vi.stubEnv('JOBS_TABLE_NAME', tableName);
  vi.stubEnv('EVENTS_TOPIC_ARN', eventsTopic);
  vi.stubEnv('EMAIL_TOPIC_ARN', emailTopic);
  vi.stubEnv('SMS_TOPIC_ARN', smsTopic);
  vi.stubEnv('OPERATOR_TOPIC_ARN', operatorTopic);
  vi.stubEnv('COMPANYENRICH_API_KEY_SECRET_ARN', ARN ?? '');
  vi.stubEnv('COMPANYENRICH_API_URL', url);
  vi.stubEnv('API_TIMEOUT_MS', '2000');
  vi.resetModules();
  const module = await import('../../functions/poll/handler.js');
  return {
    clock,
    simulator,
    store: new DynamoDbJobStore(documentClient(clients.dynamoDb), tableName, new RecordingLog()),
    queues,
    tick: (remainingMs) => module.handler(scheduledEvent(clock.now()), lambdaContext(remainingMs)),
  };
}

describe('poll handler, end to end', () => {
  const clients = motoClients();
  let deployment: Deployment;

  beforeEach(async () => {
    deployment = await deploy(clients);
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await deployment.simulator.stop();
  });

  it('watches 24 jobs to the end: one correct notification each, nothing else, full history', async () => {
    const { clock, simulator, store, queues, tick } = deployment;
    const random = seededRandom(99);
    const minutes = (): number => Math.round((0.5 + random() * 2.5) * MINUTE);
    const plans = Array.from({ length: 24 }, (_, index): JobPlan => ({
      totalDomains: 50 + index * 37,
      pendingMs: minutes(),
      processingMs: minutes() + MINUTE,
      completingMs: minutes(),
      successRatio: 0.95,
      ...(index % 4 === 3
        ? { outcome: 'failed', failureMessage: `Batch ${index}: upstream provider unavailable` }
        : { outcome: 'completed' }),
      createdAt: clock.now(),
    }));
    const jobIds = plans.map((plan) => simulator.createJob(plan));
    for (const [index, jobId] of jobIds.entries()) {
      await trackJob(
        { jobs: store, clock },
        { jobId, label: `Batch ${index}`, metadata: { batch: String(index) } },
      );
    }
    const [missing, throttledOnce, garbageOnce, unknownOnce] = jobIds.slice(20);
    simulator.forgetJob(missing ?? '');
    simulator.injectFault(throttledOnce ?? '', {
      kind: 'http',
      status: 429,
      headers: { 'retry-after': '30' },
    });

    const summaries: TickSummary[] = [];
    for (let minute = 0; minute <= 15; minute += 1) {
      summaries.push(await tick());
      clock.advance(MINUTE);
      // Armed once the 429 has halted a tick: a fault answered to a request that the halt then
      // aborts would be used up without ever being seen.
      if (minute === 0) {
        expect(summaries[0]?.halted).toBe('throttled');
        simulator.injectFault(garbageOnce ?? '', { kind: 'garbage' });
        simulator.injectFault(unknownOnce ?? '', { kind: 'unknown-status', status: 'paused' });
      }
    }

    // Every tick returned a summary; the faults were seen and counted by kind.
    const errorsSeen = summaries.reduce<Record<string, number>>((all, summary) => {
      for (const [kind, count] of Object.entries(summary.errors)) all[kind] = (all[kind] ?? 0) + count;
      return all;
    }, {});
    expect(errorsSeen).toMatchObject({ throttled: 1, malformed: 1, unknown_status: 1, not_found: 3 });
    expect(summaries.some((summary) => summary.halted === 'throttled')).toBe(true);

    const events = (await drainQueue(clients.sqs, queues.events)).map((envelope) => ({
      envelope,
      event: JSON.parse(envelope.Message) as Record<string, unknown>,
    }));
    // Exactly one notification per job, and nothing else (no operator alerts: 429 is not an incident).
    expect(events).toHaveLength(24);
    expect(new Set(events.map(({ event }) => event.event_id)).size).toBe(24);

    for (const [index, jobId] of jobIds.entries()) {
      const job = await store.get(jobId);
      const mine = events.filter(({ event }) => event.job_id === jobId);
      expect(mine, `notifications for job ${index}`).toHaveLength(1);
      const [only] = mine;
      if (!only) continue;
      const { envelope, event } = only;

      if (jobId === missing) {
        expect(job?.status).toBe('not_found');
        expect(event).toMatchObject({ event_type: 'job.not_found', event_id: `${jobId}:not_found` });
        continue;
      }
      const plan = plans[index];
      if (!plan) throw new Error(`no plan for job ${index}`);
      const outcome = plan.outcome;
      expect(job?.status).toBe(outcome);
      expect(event).toMatchObject({
        schema_version: 1,
        event_id: `${jobId}:${outcome}`,
        event_type: `job.${outcome}`,
        status: outcome,
        label: `Batch ${index}`,
        metadata: { batch: String(index) },
        job: finishedDocument(jobId, plan),
      });
      expect(envelope.MessageAttributes?.status?.Value).toBe(outcome);
      expect(envelope.Subject).toMatch(
        outcome === 'completed' ? /^Job completed: Batch \d+ - / : /^Job failed: Batch \d+$/,
      );

      // History: a chain from pending, moving forward only, ending at the terminal status.
      const history = job?.history ?? [];
      expect(history.at(-1)?.to).toBe(outcome);
      expect(history[0]?.from).toBe('pending');
      history.forEach((entry: HistoryEntry, position) => {
        if (position > 0) expect(entry.from).toBe(history[position - 1]?.to);
        expect(LIFECYCLE.indexOf(entry.from)).toBeLessThan(
          entry.to === outcome ? LIFECYCLE.length : LIFECYCLE.indexOf(entry.to),
        );
      });
      expect(event.previous_status).toBe(history.at(-1)?.from);
    }

    expect(JSON.stringify(events)).not.toContain(API_KEY);

    // Email and SMS subscribers got one message per job too, in their own form.
    const emails = await drainQueue(clients.sqs, queues.email);
    const texts = await drainQueue(clients.sqs, queues.sms);
    expect(emails).toHaveLength(24);
    expect(texts).toHaveLength(24);
    for (const email of emails) {
      expect(email.Subject).toMatch(/^Job (completed|failed|not found): /);
      expect(email.Subject?.length).toBeLessThan(100);
      expect(email.Message).toContain(`Job id:          ${email.MessageAttributes?.job_id?.Value ?? ''}`);
    }
    for (const text of texts) expect(text.Message.length).toBeLessThanOrEqual(140);

    // Everything is terminal and settled: later ticks send nothing and publish nothing.
    const requests = simulator.requests.length;
    const idle = await tick();
    expect(idle).toMatchObject({ checked: 0, notified: 0 });
    expect(simulator.requests.length).toBe(requests);
  });

  it('leaves work for the next tick when the Lambda deadline is near', async () => {
    const { clock, simulator, store, tick } = deployment;
    const jobIds = Array.from({ length: 3 }, () =>
      simulator.createJob({
        totalDomains: 10,
        pendingMs: MINUTE,
        processingMs: MINUTE,
        completingMs: MINUTE,
        outcome: 'completed',
        createdAt: clock.now(),
      }),
    );
    for (const jobId of jobIds) await trackJob({ jobs: store, clock }, { jobId, label: null });
    const requests = simulator.requests.length;

    // Less time left than one request may take (2 s) plus the write reserve (2 s).
    const squeezed = await tick(3_000);
    expect(squeezed).toMatchObject({ checked: 0, halted: 'deadline' });
    expect(simulator.requests.length).toBe(requests);

    const relaxed = await tick();
    expect(relaxed.checked).toBe(3);
  });
});
