/**
 * The CLI against AWS (moto): JOBS_TABLE_NAME + AWS_ENDPOINT_URL, as an operator would point it at
 * a deployed stack. Real processes, real emulators, a real simulator over HTTP.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '../../functions/core/use-cases/list-jobs.js';
import { CompanyEnrichSimulator } from '../../local/simulator/index.js';
import {
  createJobsTable,
  createTopic,
  drainQueue,
  motoClients,
  subscribeQueue,
  type SnsEnvelope,
} from '../support/emulators.js';
import { freePort } from '../support/ports.js';
import { runCli } from './cli-process.js';

const API_KEY = 'ce_test_cli-0123456789-secret';
const moto = motoClients();
let home: string;

/** What an operator exports to work on a deployed table. */
function awsEnv(tableName: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    JOBS_TABLE_NAME: tableName,
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    // Proves the AWS mode leaves the local data folder alone.
    ENRICH_JOB_WATCH_HOME: home,
    ...extra,
  };
}

async function storedItem(tableName: string, jobId: string) {
  const { Item } = await moto.dynamoDb.send(
    new GetItemCommand({ TableName: tableName, Key: { pk: { S: `JOB#${jobId}` } }, ConsistentRead: true }),
  );
  return Item;
}

/** Every message a queue has received, waiting (bounded) until at least `count` arrived. */
async function receive(queueUrl: string, count: number): Promise<SnsEnvelope[]> {
  let envelopes: SnsEnvelope[] = [];
  for (let attempt = 0; attempt < 20 && envelopes.length < count; attempt++) {
    envelopes = [...envelopes, ...(await drainQueue(moto.sqs, queueUrl))];
    if (envelopes.length < count) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return envelopes;
}

async function itemCount(tableName: string): Promise<number> {
  const { Count } = await moto.dynamoDb.send(new ScanCommand({ TableName: tableName, Select: 'COUNT' }));
  return Count ?? 0;
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'ejw-cli-aws-'));
});

afterAll(async () => {
  expect(await readdir(home)).toEqual([]);
  await rm(home, { recursive: true, force: true });
});

describe('track', () => {
  it('starts watching a job with label and metadata; tracking it again changes nothing and says so', async () => {
    const table = await createJobsTable(moto.dynamoDb);
    const jobId = '3fa85f64-5717-4562-b3fc-2c963f66afa6';

    const first = await runCli(
      ['track', jobId.toUpperCase(), '--label', 'Q3 leads', '--meta', 'a=b', '--meta', 'c=d=e'],
      awsEnv(table),
    );
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`Now tracking ${jobId} (Q3 leads)`);
    const stored = await storedItem(table, jobId);
    expect(stored?.label?.S).toBe('Q3 leads');
    expect(stored?.metadata?.M).toEqual({ a: { S: 'b' }, c: { S: 'd=e' } });
    expect(stored?.status?.S).toBe('pending');

    const again = await runCli(['track', jobId, '--label', 'Another name', '--meta', 'x=y'], awsEnv(table));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/Already tracking Q3 leads \(3fa85f64\).*nothing changed/);
    expect(again.stdout).toContain('label and metadata were not applied');
    expect(await storedItem(table, jobId)).toEqual(stored);
  });

  it('refuses a malformed job id or --meta with exit code 2 and writes nothing', async () => {
    const table = await createJobsTable(moto.dynamoDb);

    const badId = await runCli(['track', 'job-42', '--label', 'x'], awsEnv(table));
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain('"job-42" is not a CompanyEnrich job id');
    expect(badId.stdout).toBe('');

    const badMeta = await runCli(
      ['track', '3fa85f64-5717-4562-b3fc-2c963f66afa6', '--meta', 'owner'],
      awsEnv(table),
    );
    expect(badMeta.code).toBe(2);
    expect(badMeta.stderr).toContain('Expected key=value');

    expect(await itemCount(table)).toBe(0);
  });
});

describe('poll --once and list', () => {
  let simulator: CompanyEnrichSimulator;
  let apiUrl: string;
  /** The stack's three topics, as its outputs give them; tests subscribe where they look. */
  const topics = { EVENTS_TOPIC_ARN: '', EMAIL_TOPIC_ARN: '', SMS_TOPIC_ARN: '' };

  beforeAll(async () => {
    simulator = new CompanyEnrichSimulator({ apiKey: API_KEY });
    ({ url: apiUrl } = await simulator.start());
    for (const name of Object.keys(topics) as (keyof typeof topics)[]) {
      topics[name] = await createTopic(moto.sns);
    }
  });

  afterAll(async () => {
    await simulator.stop();
  });

  /**
   * A fresh table with three jobs tracked through the CLI: one the simulator completes at once,
   * one it fails at once, one still pending for an hour. `pollNow` is after they were tracked,
   * so all are due at that tick.
   */
  async function trackedJobs() {
    const instant = { pendingMs: 0, processingMs: 0, completingMs: 0 };
    const jobs = {
      done: simulator.createJob({ totalDomains: 40, ...instant, outcome: 'completed' }),
      broken: simulator.createJob({ totalDomains: 10, ...instant, outcome: 'failed' }),
      waiting: simulator.createJob({
        totalDomains: 5,
        pendingMs: 3_600_000,
        processingMs: 0,
        completingMs: 0,
        outcome: 'completed',
      }),
    };
    const table = await createJobsTable(moto.dynamoDb);
    const tracked = await Promise.all([
      runCli(['track', jobs.done, '--label', 'Done soon', '--meta', 'owner=maria'], awsEnv(table)),
      runCli(['track', jobs.broken, '--label', 'Will fail'], awsEnv(table)),
      runCli(['track', jobs.waiting, '--label', 'Still waiting'], awsEnv(table)),
    ]);
    for (const result of tracked) expect(result.code, result.stderr).toBe(0);
    return { table, jobs, pollNow: new Date(Date.now() + 120_000).toISOString() };
  }

  /** `poll --once --now <now>` on `table` against the simulator, with the topics and `extra` settings. */
  function pollOnce(table: string, now: string, extra: Record<string, string> = {}) {
    return runCli(
      ['poll', '--once', '--now', now],
      awsEnv(table, { COMPANYENRICH_API_URL: apiUrl, COMPANYENRICH_API_KEY: API_KEY, ...topics, ...extra }),
    );
  }

  it('runs one tick: records the transitions and publishes the notifications to the topic', async () => {
    const { table, jobs, pollNow: now } = await trackedJobs();
    const [eventsTopic, emailTopic] = await Promise.all([createTopic(moto.sns), createTopic(moto.sns)]);
    const [eventsQueue, emailQueue] = await Promise.all([
      subscribeQueue(moto, eventsTopic),
      subscribeQueue(moto, emailTopic),
    ]);

    const result = await pollOnce(table, now, { EVENTS_TOPIC_ARN: eventsTopic, EMAIL_TOPIC_ARN: emailTopic });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Tick at ${now}: 3 checked, 2 transitions, 2 notifications`);
    expect(result.stdout).toContain(`Done soon (${jobs.done.slice(0, 8)}): pending → completed`);
    expect(result.stdout).toContain(`Will fail (${jobs.broken.slice(0, 8)}): pending → failed`);
    expect(`${result.stdout}${result.stderr}`).not.toContain(API_KEY);

    const events = (await receive(eventsQueue, 2)).map(
      (envelope) => JSON.parse(envelope.Message) as Record<string, unknown>,
    );
    const completed = events.find((event) => event.event_type === 'job.completed');
    expect(completed).toMatchObject({
      job_id: jobs.done,
      status: 'completed',
      previous_status: 'pending',
      label: 'Done soon',
      metadata: { owner: 'maria' },
      detected_at: now,
    });
    expect(events.find((event) => event.event_type === 'job.failed')).toMatchObject({ job_id: jobs.broken });

    const emails = await receive(emailQueue, 2);
    const email = emails.find((envelope) => envelope.Subject?.startsWith('Job completed: Done soon'));
    expect(email?.Message).toContain(`Job id:          ${jobs.done}`);
    // What the terminal showed is what was sent.
    expect(result.stdout).toContain(`Subject: ${email?.Subject ?? '?'}`);
  });

  it('list --json shows every job with status, label and history; --status filters; the table is readable', async () => {
    const { table, jobs, pollNow } = await trackedJobs();
    const polled = await pollOnce(table, pollNow);
    expect(polled.code, polled.stderr).toBe(0);

    const all = await runCli(['list', '--json'], awsEnv(table));
    expect(all.code, all.stderr).toBe(0);
    const views = JSON.parse(all.stdout) as JobView[];
    expect(views.map((view) => view.job_id).sort()).toEqual(Object.values(jobs).sort());
    const done = views.find((view) => view.job_id === jobs.done);
    expect(done).toMatchObject({ status: 'completed', label: 'Done soon', metadata: { owner: 'maria' } });
    expect(done?.history).toHaveLength(1);
    // `at` is the tick's time: the --now the poll was given.
    expect(done?.history[0]).toMatchObject({ from: 'pending', to: 'completed', at: pollNow });
    expect(views.find((view) => view.job_id === jobs.waiting)).toMatchObject({
      status: 'pending',
      history: [],
    });

    const failed = await runCli(['list', '--status', 'failed', '--json'], awsEnv(table));
    expect((JSON.parse(failed.stdout) as JobView[]).map((view) => view.job_id)).toEqual([jobs.broken]);

    const table_ = await runCli(['list'], awsEnv(table));
    expect(table_.code).toBe(0);
    expect(table_.stdout).toMatch(new RegExp(`${jobs.done}.*Done soon.*completed \\(notified\\).*40/40`));
    expect(table_.stdout).toContain('3 jobs.');

    const badStatus = await runCli(['list', '--status', 'finished'], awsEnv(table));
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toContain('Allowed choices are pending, processing');
  });

  it('never counts a channel as delivered by printing it: the channels without a topic stay owed', async () => {
    const { table, jobs, pollNow } = await trackedJobs();
    const eventsTopic = await createTopic(moto.sns);
    const eventsQueue = await subscribeQueue(moto, eventsTopic);

    const result = await pollOnce(table, pollNow, {
      EVENTS_TOPIC_ARN: eventsTopic,
      EMAIL_TOPIC_ARN: '',
      SMS_TOPIC_ARN: '',
    });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('EMAIL_TOPIC_ARN, SMS_TOPIC_ARN and OPERATOR_TOPIC_ARN are not set');
    expect(await receive(eventsQueue, 2)).toHaveLength(2);
    const done = await storedItem(table, jobs.done);
    expect(done?.status?.S).toBe('completed');
    // Still owed for email and SMS, with the events channel recorded: the deployed function sends the rest.
    expect(done?.notification_owed?.M?.delivered_channels?.L).toEqual([{ S: 'events' }]);
    expect(done?.watch_queue?.S).toBe('owed');
  });

  it('refuses to poll a table with no topic set, rather than "deliver" to the terminal, and writes nothing', async () => {
    const { table, jobs, pollNow } = await trackedJobs();
    const before = await storedItem(table, jobs.done);

    const result = await pollOnce(table, pollNow, {
      EVENTS_TOPIC_ARN: '',
      EMAIL_TOPIC_ARN: '',
      SMS_TOPIC_ARN: '',
    });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('EVENTS_TOPIC_ARN, EMAIL_TOPIC_ARN or SMS_TOPIC_ARN');
    expect(result.stdout).toBe('');
    expect(await storedItem(table, jobs.done)).toEqual(before);
  });

  it('says which time a replayed tick uses when it is far from the real clock', async () => {
    const { table } = await trackedJobs();
    const replayed = '2026-01-05T09:00:00.000Z';

    const result = await pollOnce(table, replayed);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /Replaying a tick at 2026-01-05T09:00:00.000Z, \d+ days? (before|after) the real clock/,
    );
    const near = await pollOnce(table, new Date().toISOString());
    expect(near.stdout).not.toContain('Replaying');
  });

  it('refuses to poll a table without an API key, and rejects a bad --now, with exit code 2', async () => {
    const table = await createJobsTable(moto.dynamoDb);
    const noKey = await runCli(['poll', '--once'], awsEnv(table));
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('COMPANYENRICH_API_KEY is required');

    const badNow = await pollOnce(table, 'yesterday');
    expect(badNow.code).toBe(2);
    expect(badNow.stderr).toContain('--now must be an ISO-8601 instant');
  });

  it('says in one sentence what to check when the table does not exist (exit 1), and does not hang', async () => {
    const startedAt = Date.now();
    const polled = await pollOnce('no-such-table', new Date().toISOString());
    const listed = await runCli(['list'], awsEnv('no-such-table'), 15_000);

    for (const result of [polled, listed]) {
      expect(result.code).toBe(1);
      // One line, no stack trace, no SDK exception name.
      expect(result.stderr).toBe(
        'error: DynamoDB table no-such-table was not found in region us-east-1; ' +
          'check JOBS_TABLE_NAME and AWS_REGION (the stack output JobsTableName)\n',
      );
    }
    expect(Date.now() - startedAt).toBeLessThan(20_000);
  });
});

describe('AWS trouble, told as what to do', () => {
  /** A stand-in for AWS that refuses every call as IAM would. */
  async function denyingEndpoint(): Promise<{ url: string; close: () => Promise<void> }> {
    const server = createServer((request, response) => {
      request.resume();
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(
        JSON.stringify({
          __type: 'com.amazon.coral.service#AccessDeniedException',
          message:
            'User: arn:aws:iam::123456789012:user/ops is not authorized to perform: dynamodb:Scan on resource: jobs',
        }),
      );
    });
    await new Promise<void>((resolve) => {
      server.listen(0, '127.0.0.1', resolve);
    });
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      close: () =>
        new Promise((resolve) => {
          server.close(() => {
            resolve();
          });
        }),
    };
  }

  it('access denied: names the refused action and the credentials to check', async () => {
    const endpoint = await denyingEndpoint();
    try {
      const result = await runCli(['list'], awsEnv('jobs', { AWS_ENDPOINT_URL: endpoint.url }));
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: AWS refused access to DynamoDB table jobs: .*dynamodb:Scan/);
      expect(result.stderr).toContain('check the credentials in use');
      expect(result.stderr).not.toContain('AccessDeniedException');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      await endpoint.close();
    }
  });

  it('no credentials: says how to provide them', async () => {
    const env = awsEnv('jobs', {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
      AWS_CONFIG_FILE: join(home, 'no-config'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    const result = await runCli(['list'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: No AWS credentials found; set AWS_PROFILE/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('unreachable endpoint: names it and what to check', async () => {
    const closed = await freePort();
    const result = await runCli(
      ['track', '3fa85f64-5717-4562-b3fc-2c963f66afa6'],
      awsEnv('jobs', { AWS_ENDPOINT_URL: `http://127.0.0.1:${closed}` }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: Could not reach AWS at http://127.0.0.1:${closed} (ECONNREFUSED); ` +
        'check AWS_ENDPOINT_URL, AWS_REGION and the network\n',
    );
  });
});
