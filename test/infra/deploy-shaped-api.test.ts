import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { submissionIdFor } from '../../functions/core/use-cases/jobs-application.js';
import { CompanyEnrichSimulator } from '../../local/simulator/index.js';
import {
  apiGatewayEvent,
  parseResponse,
  type ApiRequest,
  type ParsedResponse,
} from '../support/api-gateway-event.js';
import { startAwsCallRecorder, type AwsCallRecorder } from '../support/aws-call-recorder.js';
import { createTemplateResources } from '../support/cfn-moto.js';
import {
  functionRoleId,
  provideServiceSideResources,
  roleStatements,
  serviceSideRequests,
} from '../support/cfn-iam.js';
import {
  findResources,
  functionBundle,
  outputNamed,
  ReferenceResolver,
  resolveEnvironment,
  synthesizeApp,
  type CfnTemplate,
  type CloudAssembly,
  type PollFunction,
} from '../support/cloud-assembly.js';
import {
  coldStart,
  contextFor,
  functionAtPath,
  LoopbackApiGateway,
  type DeployedHandler,
} from '../support/deployed-function.js';
import { drainQueue, motoClients, subscribeQueue } from '../support/emulators.js';
import { FakeClock } from '../support/fake-clock.js';
import { deniedRequests, unexercisedGrants, type IamRequest } from '../support/iam-policy.js';
import { iamRequestsOf } from '../support/iam-requests.js';

/**
 * Deploy-shaped, the HTTP side: the API and webhook functions' bundles from the cloud assembly,
 * each with its template environment resolved to resources created in moto from the template,
 * the simulator standing in for CompanyEnrich, and the HTTP API's endpoint (what the template
 * gives the API function as WEBHOOK_BASE_URL) a loopback front that turns the simulator's
 * completion callback into the webhook function's API Gateway event. No poll function runs here:
 * the notification of a submitted job can only come through the webhook (the fast path).
 * Every AWS call of each function is checked against its own role, in both directions.
 */

const API_KEY = 'ce_live_deploy_shaped_http_key_5b21c7';
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const HOUR = 3_600_000;

function pseudoParameters(stackName: string): Record<string, string> {
  return {
    'AWS::AccountId': ACCOUNT,
    'AWS::Region': REGION,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': stackName,
  };
}

/** One of the two functions: where it is in the template, its bundle once loaded, what it called. */
interface HttpFunction {
  fn: PollFunction;
  environment: Record<string, string>;
  handler?: DeployedHandler;
  requests: IamRequest[];
  invocations: number;
  /** What it wrote to stdout and stderr (its structured logs). */
  output: string[];
}

describe('the deployable API and webhook bundles, on the resources their template defines', () => {
  const clients = motoClients();
  // The simulator's clock only: the functions keep the wall clock, as in Lambda.
  const clock = new FakeClock(new Date());
  const simulator = new CompanyEnrichSimulator({ apiKey: API_KEY, clock: () => clock.now(), seed: 11 });
  let assembly: CloudAssembly | undefined;
  let template: CfnTemplate;
  let resolver: ReferenceResolver;
  let recorder: AwsCallRecorder | undefined;
  let gateway: LoopbackApiGateway | undefined;
  let api: HttpFunction;
  let webhook: HttpFunction;
  let tableName: string;
  let eventsQueue: string;
  let apiKeySecretId: string;

  beforeAll(async () => {
    assembly = synthesizeApp();
    const apiFn = functionAtPath(assembly, /\/ApiFunction\/Resource$/);
    const webhookFn = functionAtPath(assembly, /\/WebhookFunction\/Resource$/);
    template = apiFn.stack.template;
    resolver = new ReferenceResolver(template, pseudoParameters(apiFn.stack.name));
    await createTemplateResources(clients, template, resolver);
    provideServiceSideResources(template, resolver);

    // The HTTP API's endpoint is the loopback front of the webhook function.
    gateway = new LoopbackApiGateway((event) => invoke(webhook, event));
    const endpoint = await gateway.start();
    const [httpApi, ...others] = findResources(template, 'AWS::ApiGatewayV2::Api');
    if (!httpApi || others.length > 0) throw new Error('expected one HTTP API in the template');
    resolver.provide(httpApi.logicalId, { ref: 'abc123', attributes: { ApiEndpoint: endpoint } });

    api = {
      fn: apiFn,
      environment: resolveEnvironment(apiFn.environment, resolver),
      requests: [],
      invocations: 0,
      output: [],
    };
    webhook = {
      fn: webhookFn,
      environment: resolveEnvironment(webhookFn.environment, resolver),
      requests: [],
      invocations: 0,
      output: [],
    };

    const output = (name: string): string => resolver.resolveString(outputNamed(template, name).output.Value);
    eventsQueue = await subscribeQueue(clients, output('EventsTopicArn'));
    const command = output('SetApiKeyCommand');
    const found = /--secret-id\s+(\S+)/.exec(command)?.[1];
    if (!found) throw new Error(`SetApiKeyCommand has no --secret-id: ${command}`);
    apiKeySecretId = found;
    await storeKey(API_KEY);
    tableName = output('JobsTableName');

    const { url } = await simulator.start();
    recorder = await startAwsCallRecorder(clients.endpoint);
    vi.stubEnv('COMPANYENRICH_API_URL', url);
    vi.stubEnv('AWS_ENDPOINT_URL', recorder.endpoint);
    vi.stubEnv('AWS_REGION', REGION);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    for (const target of [api, webhook]) await newContainer(target);
  }, 180_000);

  afterAll(async () => {
    vi.unstubAllEnvs();
    await gateway?.stop();
    await recorder?.close();
    await simulator.stop();
    assembly?.dispose();
  });

  /** What the operator's SetApiKeyCommand does. */
  async function storeKey(key: string): Promise<void> {
    await clients.secretsManager.send(
      new PutSecretValueCommand({ SecretId: apiKeySecretId, SecretString: key }),
    );
  }

  /** A cold start of `target` in a new container, which reads its environment on import. */
  async function newContainer(target: HttpFunction): Promise<void> {
    if (!assembly) throw new Error('no cloud assembly');
    useEnvironment(target);
    target.handler = await coldStart(functionBundle(assembly, target.fn));
  }

  /** Only `target`'s template variables are set (the other function's are unset), with the test's endpoints. */
  function useEnvironment(target: HttpFunction): void {
    const other = target === api ? webhook : api;
    for (const name of Object.keys(other.environment)) {
      if (!(name in target.environment)) vi.stubEnv(name, undefined);
    }
    for (const [name, value] of Object.entries(target.environment)) {
      if (name !== 'COMPANYENRICH_API_URL') vi.stubEnv(name, value);
    }
  }

  /** One invocation of `target`; the AWS calls it made are added to its own. */
  async function invoke(
    target: HttpFunction,
    event: APIGatewayProxyEventV2,
  ): Promise<APIGatewayProxyStructuredResultV2> {
    if (!target.handler) throw new Error(`${target.fn.logicalId} was not loaded`);
    recorder?.drain().forEach((call) => {
      throw new Error(`an AWS call outside any invocation: ${JSON.stringify(call)}`);
    });
    useEnvironment(target);
    target.invocations += 1;
    const capture = ((chunk: unknown) => {
      target.output.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    try {
      const context = contextFor(target.fn, `deploy-shaped-${target.invocations}`);
      return (await target.handler(event, context)) as APIGatewayProxyStructuredResultV2;
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
      target.requests.push(...(recorder?.drain() ?? []).flatMap((call) => iamRequestsOf(call, ACCOUNT)));
    }
  }

  async function call(request: ApiRequest): Promise<ParsedResponse> {
    return parseResponse(await invoke(api, apiGatewayEvent(request)));
  }

  async function tableItems(): Promise<unknown[]> {
    const { Items = [] } = await clients.dynamoDb.send(new ScanCommand({ TableName: tableName }));
    return Items.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }

  const json = { 'content-type': 'application/json' };
  let submissions = 0;
  const ids = (body: unknown): string[] =>
    (body as { items: { job_id: string }[] }).items.map((item) => item.job_id);

  /** Submits a job through the API under a new idempotency key; the job id and the key. */
  async function submitJob(domains: string[], label: string): Promise<{ jobId: string; key: string }> {
    submissions += 1;
    const key = `deploy-shaped-submit-${submissions}`;
    const answer = await call({
      method: 'POST',
      path: '/jobs/bulk',
      headers: { ...json, 'idempotency-key': key },
      body: { domains, label },
    });
    expect(answer.status).toBe(202);
    return { jobId: (answer.body as { job_id: string }).job_id, key };
  }

  /** Events published since the last look, as subscribers read them. */
  async function newEvents(): Promise<Record<string, unknown>[]> {
    return (await drainQueue(clients.sqs, eventsQueue)).map(
      (envelope) => JSON.parse(envelope.Message) as Record<string, unknown>,
    );
  }

  /** Every job route: track (new, again), submit and its replay, list (all, by status), show, untrack. */
  async function everyRoute(): Promise<void> {
    const tracked = simulator.createJob({
      pendingMs: 60_000,
      processingMs: 60_000,
      completingMs: 60_000,
      outcome: 'completed',
      totalDomains: 40,
      createdAt: clock.now(),
    });
    const track = {
      method: 'POST',
      path: '/jobs',
      headers: json,
      body: { job_id: tracked, label: 'Tracked' },
    };
    expect((await call(track)).status).toBe(201);
    expect((await call(track)).status).toBe(200);

    const createsBefore = simulator.requests.filter((request) => request.method === 'POST').length;
    submissions += 1;
    const submit = {
      method: 'POST',
      path: '/jobs/bulk',
      headers: { ...json, 'idempotency-key': `deploy-shaped-routes-${submissions}` },
      body: { domains: ['acme.com', 'example.org', 'acme.com', 'globex.net'], label: 'Submitted' },
    };
    const first = await call(submit);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({
      domain_count: 3,
      duplicates_removed: ['acme.com'],
      tracking: 'tracked',
    });
    const submitted = (first.body as { job_id: string }).job_id;
    const replay = await call(submit);
    expect([replay.status, replay.headers['idempotent-replayed']]).toEqual([202, 'true']);
    expect(replay.body).toEqual(first.body);
    // One job created with CompanyEnrich for the two submits: the replay cost no credits.
    const creates = simulator.requests.filter((request) => request.method === 'POST');
    expect(creates.slice(createsBefore).map((request) => [request.jobId, request.status])).toEqual([
      [submitted, 200],
    ]);

    const listed = await call({ method: 'GET', path: '/jobs' });
    expect([listed.status, ids(listed.body)]).toEqual([200, expect.arrayContaining([tracked, submitted])]);
    const pending = await call({ method: 'GET', path: '/jobs', query: { status: 'pending' } });
    expect([pending.status, ids(pending.body)]).toEqual([200, expect.arrayContaining([tracked, submitted])]);
    const done = await call({ method: 'GET', path: '/jobs', query: { status: 'completed' } });
    expect(done.status).toBe(200);
    expect(ids(done.body)).not.toContain(submitted);
    const shown = await call({ method: 'GET', path: `/jobs/${submitted}` });
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ job_id: submitted, label: 'Submitted', status: 'pending' });

    // Untracking keeps the job (and its history) until its TTL: still listed, marked untracked.
    const untracked = await call({ method: 'DELETE', path: `/jobs/${tracked}` });
    expect(untracked.status).toBe(200);
    expect((untracked.body as { untracked_at: unknown }).untracked_at).toEqual(expect.any(String));
    const after = (await call({ method: 'GET', path: '/jobs' })).body as {
      items: { job_id: string; untracked_at: string | null }[];
    };
    expect(after.items.find((item) => item.job_id === tracked)?.untracked_at).toEqual(expect.any(String));
    expect(after.items.find((item) => item.job_id === submitted)?.untracked_at).toBeNull();
    clock.advance(HOUR);
    await simulator.deliverDueWebhooks();
    await newEvents();
  }

  /**
   * The fast path: a job submitted through the API ends at CompanyEnrich; forged callbacks first
   * (404, nothing read or written), then the simulator's own, whose check notifies the job's end
   * with no poll function anywhere.
   */
  async function fastPath(): Promise<void> {
    const { jobId, key } = await submitJob(['hooli.com', 'piedpiper.com'], 'Fast path');
    clock.advance(HOUR);
    const before = await tableItems();
    const statusRequests = (): number =>
      simulator.requests.filter((request) => request.method === 'GET' && request.jobId === jobId).length;
    const invocationsBefore = webhook.invocations;
    const submissionId = submissionIdFor(key);
    const forgedTokens = ['A'.repeat(43), 'not-a-token', submissionId, ''];
    for (const token of forgedTokens) {
      const forged = await fetch(`${gateway?.url}/hooks/companyenrich/${submissionId}/${token}x`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ job_id: jobId, status: 'completed' }),
      });
      expect(forged.status, token).toBe(404);
    }
    expect(webhook.invocations - invocationsBefore).toBe(forgedTokens.length);
    expect(await tableItems()).toEqual(before);
    expect(statusRequests()).toBe(0);
    expect(await newEvents()).toEqual([]);

    // The job ended an hour ago: its callback goes to the URL the API function gave CompanyEnrich.
    const deliveries = await simulator.deliverDueWebhooks();
    expect(deliveries.map((delivery) => [delivery.jobId, delivery.status, delivery.error])).toEqual([
      [jobId, 202, null],
    ]);
    expect(deliveries[0]?.url.startsWith(`${gateway?.url}/hooks/companyenrich/${submissionId}/`)).toBe(true);
    expect(statusRequests()).toBe(1);
    const shown = await call({ method: 'GET', path: `/jobs/${jobId}` });
    const { status } = shown.body as { status: string };
    expect(['completed', 'failed']).toContain(status);
    expect((await newEvents()).map((event) => [event.job_id, event.event_type])).toEqual([
      [jobId, `job.${status}`],
    ]);
  }

  /**
   * A callback whose check meets a revoked key opens an API incident (the watcher state saved,
   * operators alerted); with the key restored, the next callback's check closes it.
   */
  async function revokedKey(): Promise<void> {
    const revoked = await submitJob(['initech.com'], 'Revoked key');
    await storeKey('ce_live_revoked_key_00aa11');
    try {
      // A new container reads the key now in the secret: the revoked one.
      await newContainer(webhook);
      clock.advance(HOUR);
      const deliveries = await simulator.deliverDueWebhooks();
      expect(deliveries.map((delivery) => [delivery.jobId, delivery.status])).toEqual([[revoked.jobId, 202]]);
    } finally {
      await storeKey(API_KEY);
    }
    expect((await newEvents()).map((event) => event.event_type)).toEqual(['watcher.unauthorized']);
    const shown = await call({ method: 'GET', path: `/jobs/${revoked.jobId}` });
    expect((shown.body as { status: string }).status).toBe('pending');

    await newContainer(webhook);
    const next = await submitJob(['umbrella.com'], 'After the incident');
    clock.advance(HOUR);
    expect((await simulator.deliverDueWebhooks()).map((delivery) => delivery.jobId)).toEqual([next.jobId]);
    const events = await newEvents();
    expect(events.map((event) => event.event_type)).toContain('watcher.recovered');
    expect(events.filter((event) => event.job_id === next.jobId)).toHaveLength(1);
  }

  it('answers every job route as documented, on the template table and the simulator', async () => {
    await everyRoute();
  });

  it('notifies a submitted job through the webhook without a tick; forged callbacks change nothing', async () => {
    await fastPath();
  });

  it('opens and closes an API incident from a callback check', async () => {
    await revokedKey();
  });

  it.each(['api', 'webhook'] as const)(
    'the %s function calls AWS only as its role allows, and uses every grant',
    async (name) => {
      const target = name === 'api' ? api : webhook;
      // Every call path of both functions, from new containers (nothing cached) and a clean record.
      await newContainer(api);
      await newContainer(webhook);
      api.requests = [];
      webhook.requests = [];
      api.invocations = 0;
      webhook.invocations = 0;
      await everyRoute();
      await fastPath();
      await revokedKey();
      expect(target.requests.length).toBeGreaterThan(0);
      const grants = roleStatements(template, functionRoleId(template, target.fn.logicalId), resolver);
      const requests = [
        ...target.requests,
        ...serviceSideRequests({
          template,
          functionId: target.fn.logicalId,
          resolver,
          invocations: target.invocations,
          apiRequests: target.requests,
        }),
      ];
      expect(deniedRequests(grants, requests)).toEqual([]);
      expect(unexercisedGrants(grants, requests)).toEqual([]);
      // The API key never reached its logs (the template's level, INFO, is in force).
      expect(JSON.stringify(target.output)).not.toContain(API_KEY);
    },
  );
});
