import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoDbJobStore } from '../../functions/core/adapters/dynamodb/job-store.js';
import { trackJob } from '../../functions/core/use-cases/track-job.js';
import { documentClient } from '../../functions/core/wiring.js';
import { CompanyEnrichSimulator } from '../../local/simulator/index.js';
import { createTemplateResources } from '../support/cfn-moto.js';
import {
  functionBundle,
  outputNamed,
  pollFunction,
  pollSchedule,
  referencedIds,
  ReferenceResolver,
  resolveEnvironment,
  synthesizeApp,
  type CfnTemplate,
  type CloudAssembly,
  type PollSchedule,
} from '../support/cloud-assembly.js';
import { drainQueue, motoClients, subscribeQueue, type SnsEnvelope } from '../support/emulators.js';
import { FakeClock } from '../support/fake-clock.js';
import { RecordingLog } from '../support/watcher-harness.js';

/**
 * Deploy-shaped: what `cdk deploy` would ship, run against what the template would create.
 *
 * The app is synthesized with the CDK CLI; the template's tables, topics and secrets are created
 * in moto from their template properties (test/support/cfn-moto.ts); the poll function's bundle
 * is loaded from the cloud assembly with its template environment, every `Ref`/`Fn::GetAtt`
 * resolved to those moto resources. Subscribers and the operator use only the stack's outputs:
 * the SQS queues subscribe to the topics the outputs name, jobs are tracked in the table
 * `JobsTableName` names, and the API key is stored where `SetApiKeyCommand` puts it. So a
 * function wired to the wrong topic, table or secret fails here.
 */

const API_KEY = 'ce_live_deploy_shaped_key_0f3e9a';
const REAL_API_URL = 'https://api.companyenrich.com';
const MINUTE = 60_000;
const REGION = 'us-east-1';

/** moto's default account, the region every client here uses, and the stack's name. */
function pseudoParameters(stackName: string): Record<string, string> {
  return {
    'AWS::AccountId': '123456789012',
    'AWS::Region': REGION,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': stackName,
  };
}

/** The named fields of a handler's result (an object, or the test fails on it). */
function pick(value: unknown, names: string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null)
    throw new Error(`not a tick summary: ${JSON.stringify(value)}`);
  return Object.fromEntries(names.map((name) => [name, (value as Record<string, unknown>)[name]]));
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

function lambdaContext(functionName: string, remainingMs: number, memorySize: number): Context {
  // The deprecated callback-style members are left out: nothing calls them.
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: String(memorySize),
    awsRequestId: `deploy-shaped-${Date.now()}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'deploy-shaped',
    getRemainingTimeInMillis: () => remainingMs,
  } as Context;
}

describe('the deployable poll bundle, on the resources its template defines', () => {
  const clients = motoClients();
  const clock = new FakeClock('2026-11-29T10:00:00.000Z');
  const simulator = new CompanyEnrichSimulator({ apiKey: API_KEY, clock: () => clock.now(), seed: 7 });
  let assembly: CloudAssembly | undefined;
  let template: CfnTemplate;
  /** The function's environment exactly as the template has it (intrinsics unresolved). */
  let templateEnvironment: Record<string, unknown>;
  let environment: Record<string, string>;
  let schedule: PollSchedule;
  let timeoutMs: number;
  let memorySize: number;
  let functionLogicalId: string;
  let handler: Handler;
  let store: DynamoDbJobStore;
  const queues = { events: '', email: '', sms: '' };
  /** What the function wrote to stdout/stderr (its Powertools JSON logs). */
  const output: string[] = [];

  beforeAll(async () => {
    assembly = synthesizeApp();
    const fn = pollFunction(assembly);
    template = fn.stack.template;
    functionLogicalId = fn.logicalId;
    templateEnvironment = fn.environment;
    timeoutMs = fn.timeoutSeconds * 1000;
    memorySize = fn.memorySize;
    schedule = pollSchedule(template, fn.logicalId);
    const bundle = functionBundle(assembly, fn);

    const resolver = new ReferenceResolver(template, pseudoParameters(fn.stack.name));
    await createTemplateResources(clients, template, resolver);
    environment = resolveEnvironment(fn.environment, resolver);

    // The subscribers' side: the topics the stack outputs tell them to subscribe to.
    const topicOf = (output: string): string =>
      resolver.resolveString(outputNamed(template, output).output.Value);
    queues.events = await subscribeQueue(clients, topicOf('EventsTopicArn'));
    queues.email = await subscribeQueue(clients, topicOf('EmailTopicArn'));
    queues.sms = await subscribeQueue(clients, topicOf('SmsTopicArn'));

    // The operator's side: the key goes where SetApiKeyCommand puts it; jobs are tracked (as the
    // CLI does) in the table JobsTableName names.
    const command = resolver.resolveString(outputNamed(template, 'SetApiKeyCommand').output.Value);
    const secretId = /--secret-id\s+(\S+)/.exec(command)?.[1];
    if (!secretId) throw new Error(`SetApiKeyCommand has no --secret-id: ${command}`);
    await clients.secretsManager.send(
      new PutSecretValueCommand({ SecretId: secretId, SecretString: API_KEY }),
    );
    const tableName = resolver.resolveString(outputNamed(template, 'JobsTableName').output.Value);
    store = new DynamoDbJobStore(documentClient(clients.dynamoDb), tableName, new RecordingLog());

    const { url } = await simulator.start();
    for (const [name, value] of Object.entries(environment)) vi.stubEnv(name, value);
    // What differs from AWS, and only that: the endpoints (moto, the simulator), fake credentials,
    // and no EMF metrics (POWERTOOLS_METRICS_DISABLED, as in every test; tick-metrics tests cover them).
    vi.stubEnv('COMPANYENRICH_API_URL', url);
    vi.stubEnv('AWS_ENDPOINT_URL', clients.endpoint);
    vi.stubEnv('AWS_REGION', REGION);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');

    // The cold start: the bundle reads its environment and creates its clients on import.
    const module = (await import(pathToFileURL(bundle.entryFile).href)) as Record<string, unknown>;
    const exported = module[bundle.exportName];
    if (typeof exported !== 'function') {
      throw new Error(`${bundle.entryFile} does not export a function named ${bundle.exportName}`);
    }
    handler = exported as Handler;
  }, 120_000);

  afterAll(async () => {
    vi.unstubAllEnvs();
    await simulator.stop();
    assembly?.dispose();
  });

  /** One scheduled invocation, as the template's schedule would make it, capturing the function's logs. */
  async function invoke(): Promise<unknown> {
    const capture = ((chunk: unknown) => {
      output.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    try {
      return await handler(
        schedule.eventAt(clock.now()),
        lambdaContext(functionLogicalId, timeoutMs, memorySize),
      );
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  }

  it('gives the function the secret ARN, never the key, and the real API URL', () => {
    expect(templateEnvironment).not.toHaveProperty('COMPANYENRICH_API_KEY');
    expect(JSON.stringify(templateEnvironment)).not.toContain(API_KEY);
    // No variable carries a key, secret, token or password itself...
    expect(
      Object.keys(templateEnvironment).filter((name) => /(^|_)(KEY|SECRET|TOKEN|PASSWORD)$/.test(name)),
    ).toEqual([]);
    // ...and the one that locates the key is a reference to a secret of the stack, not a literal.
    const secretIds = [...referencedIds(templateEnvironment.COMPANYENRICH_API_KEY_SECRET_ARN)];
    expect(secretIds.map((id) => template.Resources[id]?.Type)).toEqual(['AWS::SecretsManager::Secret']);
    // The simulator stands in for the real API, which is what the template points at.
    expect([undefined, REAL_API_URL]).toContain(templateEnvironment.COMPANYENRICH_API_URL);
    expect(schedule.enabled).toBe(true);
  });

  it('watches tracked jobs to the end and notifies every channel once per job', async () => {
    const plans = [
      { pendingMs: MINUTE, processingMs: 2 * MINUTE, completingMs: MINUTE, outcome: 'completed' },
      { pendingMs: 0.5 * MINUTE, processingMs: 1.5 * MINUTE, completingMs: 0.5 * MINUTE, outcome: 'failed' },
      { pendingMs: 2 * MINUTE, processingMs: MINUTE, completingMs: MINUTE, outcome: 'completed' },
      { pendingMs: MINUTE, processingMs: 3 * MINUTE, completingMs: 0.5 * MINUTE, outcome: 'completed' },
      { pendingMs: 1.5 * MINUTE, processingMs: MINUTE, completingMs: MINUTE, outcome: 'failed' },
      { pendingMs: 0.5 * MINUTE, processingMs: MINUTE, completingMs: 2 * MINUTE, outcome: 'completed' },
    ] as const;
    const jobs = plans.map((plan, index) => ({
      outcome: plan.outcome,
      jobId: simulator.createJob({ ...plan, totalDomains: 100 + index * 50, createdAt: clock.now() }),
    }));
    for (const [index, { jobId }] of jobs.entries()) {
      await trackJob({ jobs: store, clock }, { jobId, label: `Deploy-shaped ${index}` });
    }

    // One invocation per scheduled tick, for ten intervals: every job ends within six minutes.
    const summaries: unknown[] = [];
    for (let tick = 0; tick < 10; tick += 1) {
      summaries.push(await invoke());
      clock.advance(schedule.intervalMs);
    }

    for (const { jobId, outcome } of jobs) {
      expect((await store.get(jobId))?.status, `job ${jobId}`).toBe(outcome);
    }
    // No tick failed, halted or saw an error of any kind.
    expect(summaries.map((summary) => pick(summary, ['errors', 'halted']))).toEqual(
      summaries.map(() => ({ errors: {}, halted: null })),
    );

    const events = (await drainQueue(clients.sqs, queues.events)).map(
      (envelope) => JSON.parse(envelope.Message) as Record<string, unknown>,
    );
    expect(events.map((event) => [event.job_id, event.event_type]).sort()).toEqual(
      jobs.map(({ jobId, outcome }) => [jobId, `job.${outcome}`]).sort(),
    );

    const jobIdsOf = (envelopes: SnsEnvelope[]): (string | undefined)[] =>
      envelopes.map((envelope) => envelope.MessageAttributes?.job_id?.Value).sort();
    const emails = await drainQueue(clients.sqs, queues.email);
    const texts = await drainQueue(clients.sqs, queues.sms);
    expect(jobIdsOf(emails)).toEqual(jobs.map(({ jobId }) => jobId).sort());
    expect(jobIdsOf(texts)).toEqual(jobs.map(({ jobId }) => jobId).sort());

    // The template's log level was in force (INFO: the function logged), nothing went wrong enough
    // to warn (a schedule input without a usable time would), and the key never leaked.
    const levels = output.map((line) => (JSON.parse(line) as { level?: unknown }).level);
    expect(levels.length).toBeGreaterThan(0);
    expect(new Set(levels)).toEqual(new Set(['INFO']));
    expect(JSON.stringify({ events, emails, texts, output })).not.toContain(API_KEY);
  });
});
