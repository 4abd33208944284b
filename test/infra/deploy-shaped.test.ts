import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoDbJobStore } from '../../functions/core/adapters/dynamodb/job-store.js';
import { trackJob } from '../../functions/core/use-cases/track-job.js';
import { documentClient } from '../../functions/core/wiring.js';
import { CompanyEnrichSimulator } from '../../local/simulator/index.js';
import { createTemplateResources } from '../support/cfn-moto.js';
import {
  startAwsCallRecorder,
  type AwsCallRecorder,
  type RecordedCall,
} from '../support/aws-call-recorder.js';
import {
  functionRoleId,
  provideServiceSideResources,
  roleStatements,
  serviceSideRequests,
} from '../support/cfn-iam.js';
import {
  deniedRequests,
  unexercisedGrants,
  type IamRequest,
  type PolicyStatement,
} from '../support/iam-policy.js';
import { iamRequestsOf } from '../support/iam-requests.js';
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
  type FunctionBundle,
  type PollSchedule,
} from '../support/cloud-assembly.js';
import { drainQueue, motoClients, subscribeQueue, type SnsEnvelope } from '../support/emulators.js';
import { FakeClock } from '../support/fake-clock.js';
import { RecordingLog } from '../support/watcher-harness.js';
import { ALARM_DESCRIPTION, alarmActionEvent } from '../support/alarm-events.js';
import { coldStart as coldStartFunction, contextFor, functionAtPath } from '../support/deployed-function.js';

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
 *
 * The function's AWS calls go through a recording proxy (test/support/aws-call-recorder.ts), and
 * are checked against the role the template gives it: every call allowed, every grant used.
 */

const API_KEY = 'ce_live_deploy_shaped_key_0f3e9a';
const REAL_API_URL = 'https://api.companyenrich.com';
const MINUTE = 60_000;
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';

/** moto's default account, the region every client here uses, and the stack's name. */
function pseudoParameters(stackName: string): Record<string, string> {
  return {
    'AWS::AccountId': ACCOUNT,
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
  let resolver: ReferenceResolver;
  /** The function's environment exactly as the template has it (intrinsics unresolved). */
  let templateEnvironment: Record<string, unknown>;
  let environment: Record<string, string>;
  let schedule: PollSchedule;
  let timeoutMs: number;
  let memorySize: number;
  let functionLogicalId: string;
  let bundle: FunctionBundle;
  let store: DynamoDbJobStore;
  let secretId: string;
  /** The function's AWS calls pass through it on their way to moto. */
  let recorder: AwsCallRecorder | undefined;
  /** What the template's role for the function allows, its references resolved to the moto resources. */
  let roleGrants: PolicyStatement[];
  const queues = { events: '', email: '', sms: '', operator: '' };
  let containers = 0;

  beforeAll(async () => {
    assembly = synthesizeApp();
    const fn = pollFunction(assembly);
    template = fn.stack.template;
    functionLogicalId = fn.logicalId;
    templateEnvironment = fn.environment;
    timeoutMs = fn.timeoutSeconds * 1000;
    memorySize = fn.memorySize;
    schedule = pollSchedule(template, fn.logicalId);
    bundle = functionBundle(assembly, fn);

    resolver = new ReferenceResolver(template, pseudoParameters(fn.stack.name));
    await createTemplateResources(clients, template, resolver);
    provideServiceSideResources(template, resolver);
    environment = resolveEnvironment(fn.environment, resolver);
    roleGrants = roleStatements(template, functionRoleId(template, fn.logicalId), resolver);

    // The subscribers' side: the topics the stack outputs tell them to subscribe to.
    const topicOf = (output: string): string =>
      resolver.resolveString(outputNamed(template, output).output.Value);
    queues.events = await subscribeQueue(clients, topicOf('EventsTopicArn'));
    queues.email = await subscribeQueue(clients, topicOf('EmailTopicArn'));
    queues.sms = await subscribeQueue(clients, topicOf('SmsTopicArn'));
    queues.operator = await subscribeQueue(clients, topicOf('OperatorTopicArn'));

    // The operator's side: the key goes where SetApiKeyCommand puts it; jobs are tracked (as the
    // CLI does) in the table JobsTableName names.
    const command = resolver.resolveString(outputNamed(template, 'SetApiKeyCommand').output.Value);
    const found = /--secret-id\s+(\S+)/.exec(command)?.[1];
    if (!found) throw new Error(`SetApiKeyCommand has no --secret-id: ${command}`);
    secretId = found;
    await storeKey(API_KEY);
    const tableName = resolver.resolveString(outputNamed(template, 'JobsTableName').output.Value);
    store = new DynamoDbJobStore(documentClient(clients.dynamoDb), tableName, new RecordingLog());

    const { url } = await simulator.start();
    recorder = await startAwsCallRecorder(clients.endpoint);
    for (const [name, value] of Object.entries(environment)) vi.stubEnv(name, value);
    // What differs from AWS, and only that: the endpoints (moto behind the recorder, the
    // simulator), fake credentials, and no EMF metrics (POWERTOOLS_METRICS_DISABLED, as in every
    // test; tick-metrics tests cover them).
    vi.stubEnv('COMPANYENRICH_API_URL', url);
    vi.stubEnv('AWS_ENDPOINT_URL', recorder.endpoint);
    vi.stubEnv('AWS_REGION', REGION);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  }, 120_000);

  afterAll(async () => {
    vi.unstubAllEnvs();
    await recorder?.close();
    await simulator.stop();
    assembly?.dispose();
  });

  /** What the operator's SetApiKeyCommand does. */
  async function storeKey(key: string): Promise<void> {
    await clients.secretsManager.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: key }));
  }

  /**
   * A new container's cold start: the bundle reads its environment and creates its clients on
   * import. Each test gets its own container (the asset copied, so Node loads a fresh module
   * instance), so none inherits another's clients or cached key.
   */
  async function coldStart(): Promise<Handler> {
    containers += 1;
    const dir = path.join(path.dirname(bundle.dir), `container-${containers}`);
    cpSync(bundle.dir, dir, { recursive: true });
    const entryFile = path.join(dir, path.relative(bundle.dir, bundle.entryFile));
    const module = (await import(pathToFileURL(entryFile).href)) as Record<string, unknown>;
    const exported = module[bundle.exportName];
    if (typeof exported !== 'function') {
      throw new Error(`${entryFile} does not export a function named ${bundle.exportName}`);
    }
    return exported as Handler;
  }

  /** One scheduled invocation, as the template's schedule would make it, capturing the function's logs in `output`. */
  async function invoke(handler: Handler, output: string[]): Promise<unknown> {
    const capture = ((chunk: unknown) => {
      output.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    // The function clamps the event's time to a window around its clock (`Date`): the clock is
    // the schedule's, so `Date` follows it for the invocation (timers stay real).
    vi.useFakeTimers({ toFake: ['Date'], now: clock.now() });
    try {
      return await handler(
        schedule.eventAt(clock.now()),
        lambdaContext(functionLogicalId, timeoutMs, memorySize),
      );
    } finally {
      vi.useRealTimers();
      stdout.mockRestore();
      stderr.mockRestore();
    }
  }

  /** The calls the function made since the last look, as IAM requests. */
  function recordedRequests(): IamRequest[] {
    const calls: RecordedCall[] = recorder?.drain() ?? [];
    return calls.flatMap((call) => iamRequestsOf(call, ACCOUNT));
  }

  it('signs with the credentials Lambda puts in the environment, without the SDK’s default chain in the bundle', () => {
    const code = readFileSync(bundle.entryFile, 'utf8');
    // Markers of the chain's other links (web identity, SSO, container credentials): aliased away
    // in BUNDLING (functions/core/lambda-credentials.ts). The other tests here run this bundle on
    // moto with environment credentials, so it still signs.
    const chainMarkers = ['AWS_WEB_IDENTITY_TOKEN_FILE', 'sso_start_url', 'AWS_CONTAINER_CREDENTIALS'];
    expect(chainMarkers.filter((marker) => code.includes(marker))).toEqual([]);
  });

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
    const handler = await coldStart();
    recordedRequests();
    const output: string[] = [];
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
      summaries.push(await invoke(handler, output));
      clock.advance(schedule.intervalMs);
    }

    for (const { jobId, outcome } of jobs) {
      expect((await store.get(jobId))?.status, `job ${jobId}`).toBe(outcome);
    }
    // No tick failed, halted or saw an error of any kind.
    expect(summaries.map((summary) => pick(summary, ['errors', 'halted']))).toEqual(
      summaries.map(() => ({ errors: {}, halted: null })),
    );
    // Every AWS call it made on the way is one its role allows.
    expect(deniedRequests(roleGrants, recordedRequests())).toEqual([]);

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

  it('calls AWS only as its role allows, and its role allows only what it (or AWS for it) calls', async () => {
    const handler = await coldStart();
    recordedRequests();
    const output: string[] = [];
    // Every call path of a tick: the watcher state read, then (a wrong key stored) an access
    // incident written and alerted to the operator and events topics; the right key re-read, the
    // incident closed; the due index queried, a job checked to the end and its notification
    // published to the three channel topics.
    await storeKey('ce_live_not_the_stored_key_9d1c');
    const jobId = simulator.createJob({
      pendingMs: MINUTE,
      processingMs: MINUTE,
      completingMs: MINUTE,
      outcome: 'completed',
      totalDomains: 120,
      createdAt: clock.now(),
    });
    await trackJob({ jobs: store, clock }, { jobId, label: 'Role check' });
    const halted: unknown[] = [];
    try {
      halted.push(pick(await invoke(handler, output), ['halted']).halted);
    } finally {
      await storeKey(API_KEY);
    }
    for (let tick = 0; tick < 6; tick += 1) {
      clock.advance(schedule.intervalMs);
      halted.push(pick(await invoke(handler, output), ['halted']).halted);
    }
    const apiRequests = recordedRequests();
    const [events, emails, texts, operator] = await Promise.all(
      [queues.events, queues.email, queues.sms, queues.operator].map((queue) =>
        drainQueue(clients.sqs, queue),
      ),
    );

    // The scenario went where it says (so the calls below are the ones those paths make).
    expect(halted).toEqual(['unauthorized', null, null, null, null, null, null]);
    expect((await store.get(jobId))?.status).toBe('completed');
    const eventTypes = (events ?? []).map(
      (envelope) => (JSON.parse(envelope.Message) as { event_type?: unknown }).event_type,
    );
    expect(eventTypes.sort()).toEqual(['job.completed', 'watcher.recovered', 'watcher.unauthorized']);
    // The account alerts reached the operator (and automation), not the job's email and SMS.
    const typesOf = (envelopes: SnsEnvelope[] | undefined): unknown[] =>
      (envelopes ?? []).map((envelope) => envelope.MessageAttributes?.event_type?.Value);
    expect(typesOf(operator)).toEqual(['watcher.unauthorized', 'watcher.recovered']);
    expect(operator?.[0]?.Subject).toMatch(/^enrich-job-watch Action needed: /);
    expect(typesOf(emails)).toEqual(['job.completed']);
    expect(typesOf(texts)).toEqual(['job.completed']);

    const requests = [
      ...apiRequests,
      ...serviceSideRequests({
        template,
        functionId: functionLogicalId,
        resolver,
        invocations: halted.length,
        apiRequests,
      }),
    ];
    expect(apiRequests.length).toBeGreaterThan(0);
    expect(deniedRequests(roleGrants, requests)).toEqual([]);
    expect(unexercisedGrants(roleGrants, requests)).toEqual([]);
    // Publishing to the operator topic is one of the calls made, and allowed.
    const operatorTopic = resolver.resolveString(outputNamed(template, 'OperatorTopicArn').output.Value);
    expect(apiRequests).toContainEqual(
      expect.objectContaining({ action: 'sns:Publish', resource: operatorTopic }),
    );
  });

  it('relays an alarm with the relay bundle to the operator topic, as its role allows, using every grant', async () => {
    if (!assembly) throw new Error('no cloud assembly');
    const relay = functionAtPath(assembly, /\/AlarmRelay\/Function\/Resource$/);
    const relayEnvironment = resolveEnvironment(relay.environment, resolver);
    // The relay's own variables only (the poll function's are unset for its cold start and run).
    for (const name of Object.keys(environment)) {
      if (!(name in relayEnvironment)) vi.stubEnv(name, undefined);
    }
    for (const [name, value] of Object.entries(relayEnvironment)) vi.stubEnv(name, value);
    try {
      const handler = await coldStartFunction(functionBundle(assembly, relay));
      recordedRequests();
      const output: string[] = [];
      const capture = ((chunk: unknown) => {
        output.push(String(chunk));
        return true;
      }) as typeof process.stdout.write;
      const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
      const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
      try {
        await handler(alarmActionEvent(), contextFor(relay, 'relay-1'));
        // Not an alarm's event: the invocation fails (Lambda retries it, then sends it to the
        // on-failure queue, which the service-side requests below account for).
        await expect(handler({ source: 'aws.events' }, contextFor(relay, 'relay-2'))).rejects.toMatchObject({
          name: 'MalformedAlarmEventError',
        });
      } finally {
        stdout.mockRestore();
        stderr.mockRestore();
      }
      const requests = recordedRequests();
      expect(requests.map(({ action }) => action)).toEqual(['sns:Publish']);

      const delivered = await drainQueue(clients.sqs, queues.operator);
      expect(delivered.map((message) => message.Subject)).toEqual([
        'enrich-job-watch ALARM: EnrichJobWatch-PollErrors (us-east-1)',
      ]);
      expect(delivered[0]?.Message).toContain(`What to do (the alarm description):\n${ALARM_DESCRIPTION}`);

      const grants = roleStatements(template, functionRoleId(template, relay.logicalId), resolver);
      const all = [
        ...requests,
        ...serviceSideRequests({
          template,
          functionId: relay.logicalId,
          resolver,
          invocations: 2,
          failedInvocations: 1,
          apiRequests: requests,
        }),
      ];
      expect(deniedRequests(grants, all)).toEqual([]);
      expect(unexercisedGrants(grants, all)).toEqual([]);
      // The template's INFO level was in force: the relay logged what it did, and the bad event.
      expect(output.map((line) => (JSON.parse(line) as { message?: unknown }).message)).toEqual([
        'Alarm state change relayed to the operator topic',
        'Not a CloudWatch alarm action event; failing the invocation so Lambda keeps it',
      ]);
    } finally {
      for (const name of Object.keys(relayEnvironment)) vi.stubEnv(name, undefined);
      for (const [name, value] of Object.entries(environment)) vi.stubEnv(name, value);
    }
  });
});
