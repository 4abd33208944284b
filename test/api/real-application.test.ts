import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApiHandler } from '../../functions/api/make-handler.js';
import { StaticApiKey } from '../../functions/core/adapters/api-key.js';
import { CompanyEnrichJobCreationApi } from '../../functions/core/adapters/companyenrich-job-creation-api.js';
import { createStores } from '../../functions/core/adapters/dynamodb/stores.js';
import { HmacWebhookTokens, StaticSecret } from '../../functions/core/adapters/webhook-tokens.js';
import { makeJobsApplication } from '../../functions/core/use-cases/jobs-application.js';
import { randomUuid, seededRandom } from '../../local/random.js';
import { CompanyEnrichSimulator } from '../../local/simulator/index.js';
import {
  apiGatewayEvent,
  httpLambdaContext,
  parseResponse,
  type ApiRequest,
} from '../support/api-gateway-event.js';
import { createJobsTable, motoClients } from '../support/emulators.js';
import { FakeClock } from '../support/fake-clock.js';
import { RecordingLog } from '../support/watcher-harness.js';
import { generateBadRequests } from './bad-requests.js';

const API_KEY = 'ce_test_http_key_never_shown_0123';
const JSON_TYPE = { 'content-type': 'application/json' };
const SEED = 7_2026;

/**
 * The API handler over the real jobs application: DynamoDB stores on moto, job creation against
 * the CompanyEnrich simulator over loopback HTTP, HMAC webhook tokens.
 */
describe('API handler over the real application (moto + simulator)', () => {
  const clients = motoClients();
  const clock = new FakeClock('2026-11-29T10:00:00.000Z');
  const simulator = new CompanyEnrichSimulator({ apiKey: API_KEY, clock: () => clock.now(), seed: 11 });
  let tableName: string;
  let call: (request: ApiRequest) => Promise<ReturnType<typeof parseResponse>>;

  beforeAll(async () => {
    const { url } = await simulator.start();
    tableName = await createJobsTable(clients.dynamoDb);
    const log = new RecordingLog();
    const stores = createStores(clients.dynamoDb, tableName, log, { retentionMs: 90 * 86_400_000, clock });
    const random = seededRandom(3);
    const jobs = makeJobsApplication({
      jobs: stores.jobs,
      catalog: stores.catalog,
      submissions: stores.submissions,
      creation: new CompanyEnrichJobCreationApi({
        baseUrl: url,
        apiKeys: new StaticApiKey(API_KEY),
        timeoutMs: 2_000,
      }),
      tokens: new HmacWebhookTokens(new StaticSecret('webhook-secret-for-tests'), 'https://hooks.example'),
      clock,
      log,
      newId: () => randomUuid(random),
      reservationMs: 14_000,
    });
    const handler = makeApiHandler({
      jobs,
      logger: new Logger({ serviceName: 'enrich-job-watch-test' }),
    });
    call = async (request) => parseResponse(await handler(apiGatewayEvent(request), httpLambdaContext()));
  });
  afterAll(async () => {
    await simulator.stop();
  });

  async function tableItems(): Promise<string[]> {
    const { Items = [] } = await clients.dynamoDb.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true }),
    );
    return Items.map((item) => JSON.stringify(item)).sort();
  }

  function creates(): number {
    return simulator.requests.filter((request) => request.method === 'POST').length;
  }

  it('submits, replays, tracks, reads, lists and untracks through every route', async () => {
    const createsBefore = creates();
    const submitBody = { domains: ['example.com', 'EXAMPLE.com', 'acme.io'], label: 'CRM export' };
    const submitted = await call({
      method: 'POST',
      path: '/jobs/bulk',
      headers: { ...JSON_TYPE, 'idempotency-key': 'crm-export-1' },
      body: submitBody,
    });
    expect(submitted.status).toBe(202);
    const jobId = (submitted.body as { job_id: string }).job_id;
    expect(submitted.body).toMatchObject({
      domain_count: 2,
      duplicates_removed: ['example.com'],
      tracking: 'tracked',
      job: { job_id: jobId, label: 'CRM export', status: 'pending', webhook: true },
    });
    const replay = await call({
      method: 'POST',
      path: '/jobs/bulk',
      headers: { ...JSON_TYPE, 'idempotency-key': 'crm-export-1' },
      body: submitBody,
    });
    expect(replay).toMatchObject({
      status: 202,
      body: submitted.body,
      headers: { 'idempotent-replayed': 'true' },
    });
    expect(creates()).toBe(createsBefore + 1);
    const conflict = await call({
      method: 'POST',
      path: '/jobs/bulk',
      headers: { ...JSON_TYPE, 'idempotency-key': 'crm-export-1' },
      body: { domains: ['other.com'] },
    });
    expect(conflict).toMatchObject({
      status: 422,
      body: { type: 'tag:enrich-job-watch,2026:problem:idempotency-conflict' },
    });

    clock.advance(1_000);
    const existing = simulator.createJob({
      totalDomains: 10,
      pendingMs: 60_000,
      processingMs: 60_000,
      completingMs: 60_000,
      outcome: 'completed',
    });
    const tracked = await call({
      method: 'POST',
      path: '/jobs',
      headers: JSON_TYPE,
      body: { job_id: existing, label: 'By hand' },
    });
    expect(tracked).toMatchObject({
      status: 201,
      body: { job_id: existing, webhook: false, label: 'By hand' },
    });
    const again = await call({
      method: 'POST',
      path: '/jobs',
      headers: JSON_TYPE,
      body: { job_id: existing, label: 'Other' },
    });
    expect(again).toMatchObject({ status: 200, body: { label: 'By hand' } });

    const page = await call({ method: 'GET', path: '/jobs', query: { limit: '1' } });
    expect(page.body).toMatchObject({
      items: [{ job_id: existing }],
      next_cursor: expect.any(String) as string,
    });
    const cursor = (page.body as { next_cursor: string }).next_cursor;
    const next = await call({ method: 'GET', path: '/jobs', query: { limit: '1', cursor } });
    expect(next.body).toMatchObject({ items: [{ job_id: jobId }], next_cursor: null });
    const forged = await call({ method: 'GET', path: '/jobs', query: { limit: '1', cursor: `${cursor}x` } });
    expect(forged.status).toBe(400);
    const otherQuery = await call({ method: 'GET', path: '/jobs', query: { status: 'pending', cursor } });
    expect(otherQuery.status).toBe(400);

    const untracked = await call({ method: 'DELETE', path: `/jobs/${existing}` });
    expect(untracked).toMatchObject({
      status: 200,
      body: { job_id: existing, untracked_at: expect.any(String) as string },
    });
    const afterwards = await call({ method: 'GET', path: `/jobs/${existing}` });
    expect(afterwards).toMatchObject({
      status: 200,
      body: { job_id: existing, untracked_at: expect.any(String) as string },
    });
    const unknown = await call({ method: 'GET', path: '/jobs/11111111-2222-4333-8444-555555555555' });
    expect(unknown.status).toBe(404);
  });

  it('maps CompanyEnrich refusing the job to 422 with its detail, and its 402 to a 502 about the account', async () => {
    const before = await tableItems();
    simulator.injectCreateFault({
      kind: 'http',
      status: 422,
      body: {
        type: 'about:blank',
        title: 'Unprocessable',
        status: 422,
        detail: 'Too many domains for your plan',
      },
    });
    const rejected = await call({
      method: 'POST',
      path: '/jobs/bulk',
      headers: JSON_TYPE,
      body: { domains: ['example.org'] },
    });
    expect(rejected).toMatchObject({
      status: 422,
      body: {
        type: 'tag:enrich-job-watch,2026:problem:job-rejected',
        detail: expect.stringContaining('Too many domains for your plan') as string,
      },
    });
    simulator.injectCreateFault({ kind: 'http', status: 402 });
    const broke = await call({
      method: 'POST',
      path: '/jobs/bulk',
      headers: JSON_TYPE,
      body: { domains: ['example.org'] },
    });
    expect(broke).toMatchObject({
      status: 502,
      body: { type: 'tag:enrich-job-watch,2026:problem:companyenrich-account-problem' },
    });
    expect(JSON.stringify(broke.body)).not.toContain(API_KEY);
    simulator.injectCreateFault({ kind: 'http', status: 429, headers: { 'retry-after': '17' } });
    const throttled = await call({
      method: 'POST',
      path: '/jobs/bulk',
      headers: JSON_TYPE,
      body: { domains: ['example.org'] },
    });
    expect(throttled).toMatchObject({ status: 503, headers: { 'retry-after': '17' } });
    // Nothing was tracked for any of them (submissions without a key leave nothing behind).
    expect((await tableItems()).filter((item) => item.includes('"JOB#'))).toEqual(
      before.filter((item) => item.includes('"JOB#')),
    );
  });

  it(`answers every generated bad request (seed ${SEED}) with its 4xx and writes nothing`, async () => {
    const cases = generateBadRequests(SEED).filter((badCase) => badCase.target === 'api');
    expect(cases.length).toBeGreaterThan(300);
    const before = await tableItems();
    const createsBefore = creates();
    const wrong: string[] = [];
    for (const badCase of cases) {
      const response = await call(badCase.request);
      const type = (response.body as { type?: string } | undefined)?.type;
      if (
        response.status !== badCase.status ||
        type !== `tag:enrich-job-watch,2026:problem:${badCase.type}`
      ) {
        wrong.push(`${badCase.name}: ${response.status} ${type ?? ''}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(await tableItems()).toEqual(before);
    expect(creates()).toBe(createsBefore);
  }, 120_000);
});
