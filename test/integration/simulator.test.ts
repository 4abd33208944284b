import { Agent, request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CompanyEnrichSimulator,
  type SimulatedJobPlan,
  type SimulatorRequest,
} from '../../local/simulator/index.js';

const API_KEY = 'ce_live_S3CR3T-simulator-key-0123456789';
const START = Date.parse('2026-02-17T00:00:00.000Z');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const UNKNOWN_JOB = '00000000-0000-4000-8000-000000000000';

const PLAN: SimulatedJobPlan = {
  totalDomains: 100,
  pendingMs: 1_000,
  processingMs: 10_000,
  completingMs: 1_000,
  outcome: 'completed',
};

let nowMs = START;
let simulator: CompanyEnrichSimulator;
let baseUrl: string;
/** Every body the simulator sent, to prove the API key never leaks into one. */
let bodiesSeen: string[];

function advance(ms: number): void {
  nowMs += ms;
}

async function call(
  path: string,
  init: { method?: string; key?: string | null; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; text: string; json: () => Record<string, unknown> }> {
  const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
  const key = init.key === undefined ? API_KEY : init.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const response = await fetch(`${baseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body === undefined
      ? {}
      : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
  });
  const text = await response.text();
  bodiesSeen.push(text);
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: () => JSON.parse(text) as Record<string, unknown>,
  };
}

const statusOf = (jobId: string): ReturnType<typeof call> => call(`/companies/enrich/bulk/${jobId}`);

beforeEach(async () => {
  nowMs = START;
  bodiesSeen = [];
  simulator = new CompanyEnrichSimulator({ apiKey: API_KEY, clock: () => new Date(nowMs), seed: 11 });
  ({ url: baseUrl } = await simulator.start());
});

afterEach(async () => {
  await simulator.stop();
  for (const body of bodiesSeen) expect(body).not.toContain(API_KEY);
  expect(JSON.stringify(simulator.requests)).not.toContain(API_KEY);
});

describe('job status over HTTP', () => {
  it('listens on loopback at a free port', () => {
    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(baseUrl).not.toMatch(/:0$/);
  });

  it('moves a completing job through every phase as the clock advances', async () => {
    const jobId = simulator.createJob(PLAN);
    expect(jobId).toMatch(UUID);

    const pending = await statusOf(jobId);
    expect(pending.status).toBe(200);
    expect(pending.headers.get('content-type')).toMatch(/^application\/json/);
    expect(pending.json()).toEqual({
      job_id: jobId,
      status: 'pending',
      total_domains: 100,
      success_count: 0,
      failed_count: 0,
      credits_charged: 0,
      created_at: '2026-02-17T00:00:00.000Z',
      started_at: null,
      completed_at: null,
      results_url: null,
      error_message: null,
    });

    // Half-way through processing: half of the 97 domains that will succeed (default ratio 0.97)
    // and of the 3 that will fail, rounded down.
    advance(6_000);
    expect((await statusOf(jobId)).json()).toMatchObject({
      status: 'processing',
      success_count: 48,
      failed_count: 1,
      credits_charged: 0,
      started_at: '2026-02-17T00:00:01.000Z',
      completed_at: null,
    });

    advance(5_500);
    expect((await statusOf(jobId)).json()).toMatchObject({
      status: 'completing',
      success_count: 97,
      failed_count: 3,
      credits_charged: 0,
      results_url: null,
    });

    advance(500);
    const completed = await statusOf(jobId);
    expect(completed.json()).toMatchObject({
      status: 'completed',
      credits_charged: 97,
      completed_at: '2026-02-17T00:00:12.000Z',
      error_message: null,
    });
    const resultsUrl = new URL(String(completed.json().results_url));
    expect(resultsUrl.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(resultsUrl.pathname).toContain(jobId);
    expect(completed.json()).toEqual(simulator.documentFor(jobId));
  });

  it('ends a failing plan as failed with its message and no results', async () => {
    const jobId = simulator.createJob({
      ...PLAN,
      outcome: 'failed',
      failureMessage: 'Upstream provider unavailable',
    });
    advance(11_999);
    expect((await statusOf(jobId)).json()).toMatchObject({ status: 'completing', error_message: null });
    advance(1);
    expect((await statusOf(jobId)).json()).toMatchObject({
      status: 'failed',
      error_message: 'Upstream provider unavailable',
      results_url: null,
      credits_charged: 97,
      completed_at: '2026-02-17T00:00:12.000Z',
    });
  });

  it('sends rate-limit and credit headers, the credits dropping once a job is charged', async () => {
    const jobId = simulator.createJob(PLAN);
    const before = await statusOf(jobId);
    expect(Number(before.headers.get('x-ratelimit-remaining'))).toBeGreaterThan(0);
    const creditsBefore = Number(before.headers.get('x-credit-remaining'));
    advance(12_000);
    const after = await statusOf(jobId);
    expect(Number(after.headers.get('x-credit-remaining'))).toBe(creditsBefore - 97);
    expect(Number(after.headers.get('x-ratelimit-remaining'))).toBeLessThan(
      Number(before.headers.get('x-ratelimit-remaining')),
    );
  });

  it('answers 400 problem+json for a non-uuid id and 404 for unknown or forgotten jobs', async () => {
    const badId = await statusOf('not-a-uuid');
    expect(badId.status).toBe(400);
    expect(badId.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(badId.json()).toMatchObject({ title: 'Bad Request', status: 400 });
    expect(Object.keys(badId.json())).toEqual(
      expect.arrayContaining(['type', 'title', 'status', 'detail', 'traceId']),
    );

    expect((await statusOf(UNKNOWN_JOB)).status).toBe(404);

    const jobId = simulator.createJob(PLAN);
    expect((await statusOf(jobId)).status).toBe(200);
    simulator.forgetJob(jobId);
    const forgotten = await statusOf(jobId);
    expect(forgotten.status).toBe(404);
    expect(forgotten.json()).toMatchObject({ status: 404, title: 'Not Found' });
    expect(() => simulator.documentFor(jobId)).toThrow();
  });

  it('answers 404 problem+json for unknown routes and methods, and survives odd input', async () => {
    for (const [path, method] of [
      ['/nope', 'GET'],
      ['/companies/enrich/bulk/x/y', 'GET'],
      [`/companies/enrich/bulk/${UNKNOWN_JOB}`, 'DELETE'],
    ] as const) {
      const response = await call(path, { method });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await call('/companies/enrich/bulk/%zz%00')).status).toBe(400);
    expect((await call('/me?x=%')).status).toBe(200);
  });

  it('accepts job ids case-insensitively', async () => {
    const jobId = simulator.createJob(PLAN);
    expect((await statusOf(jobId.toUpperCase())).json().job_id).toBe(jobId);
  });
});

describe('authentication and account state', () => {
  it('rejects a missing, wrong or non-Bearer key with 401 problem+json', async () => {
    const jobId = simulator.createJob(PLAN);
    const attempts = [
      call(`/companies/enrich/bulk/${jobId}`, { key: null }),
      call(`/companies/enrich/bulk/${jobId}`, { key: 'wrong-key' }),
      call(`/companies/enrich/bulk/${jobId}`, { key: null, headers: { authorization: `Basic ${API_KEY}` } }),
      call(`/companies/enrich/bulk/${jobId}`, { key: `${API_KEY}x` }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  it('rejects the old key and accepts the new one after rotation', async () => {
    const jobId = simulator.createJob(PLAN);
    simulator.setApiKey('rotated-key');
    expect((await statusOf(jobId)).status).toBe(401);
    expect((await call(`/companies/enrich/bulk/${jobId}`, { key: 'rotated-key' })).status).toBe(200);
  });

  it('answers 401 or 402 on every authenticated endpoint according to the account state', async () => {
    const jobId = simulator.createJob(PLAN);
    const everyEndpoint = (): Promise<number[]> =>
      Promise.all([
        statusOf(jobId).then((response) => response.status),
        call('/me').then((response) => response.status),
        call('/companies/enrich/bulk', { method: 'POST', body: { domains: ['a.com'] } }).then(
          (r) => r.status,
        ),
      ]);
    simulator.setAccountState('unauthorized');
    expect(await everyEndpoint()).toEqual([401, 401, 401]);
    simulator.setAccountState('payment_required');
    expect(await everyEndpoint()).toEqual([402, 402, 402]);
    simulator.setAccountState('ok');
    expect(await everyEndpoint()).toEqual([200, 200, 200]);
  });

  it('describes the account on GET /me, with the credits used so far', async () => {
    const jobId = simulator.createJob(PLAN);
    const before = await call('/me');
    const account = before.json();
    expect(account).toMatchObject({ credits: { used: 0 }, capabilities: [] });
    expect(account.userId).toMatch(UUID);
    // Nothing used yet: the whole balance is what the credit header says remains.
    const { total } = account.credits as { total: number };
    expect(total).toBe(Number(before.headers.get('x-credit-remaining')));
    expect(total).toBeGreaterThan(97);
    advance(12_000);
    expect(simulator.documentFor(jobId).credits_charged).toBe(97);
    expect((await call('/me')).json().credits).toEqual({ used: 97, total });
  });
});

describe('fault injection', () => {
  it('serves queued faults in FIFO order, each the given number of times, then behaves normally', async () => {
    const jobId = simulator.createJob(PLAN);
    const otherJob = simulator.createJob(PLAN);
    simulator.injectFault(jobId, { kind: 'http', status: 429, headers: { 'Retry-After': '3' } }, 2);
    simulator.injectFault(jobId, { kind: 'http', status: 503 });

    const first = await statusOf(jobId);
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('3');
    expect(first.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(first.json()).toMatchObject({ status: 429 });
    expect((await statusOf(otherJob)).status).toBe(200); // faults belong to one job
    expect((await statusOf(jobId)).status).toBe(429);
    expect((await statusOf(jobId)).status).toBe(503);
    expect((await statusOf(jobId)).status).toBe(200);
    expect((await statusOf(jobId)).status).toBe(200);
    expect(simulator.requestsFor(jobId).map((request) => request.status)).toEqual([429, 429, 503, 200, 200]);
  });

  it('repeats a fault forever with times: Infinity and serves a custom body', async () => {
    const jobId = simulator.createJob(PLAN);
    const body = { type: 'about:blank', title: 'Unprocessable', status: 422, errors: { jobId: ['bad'] } };
    simulator.injectFault(jobId, { kind: 'http', status: 422, body }, Infinity);
    for (let attempt = 0; attempt < 25; attempt++) {
      const response = await statusOf(jobId);
      expect(response.status).toBe(422);
      expect(response.json()).toEqual(body);
    }
  });

  it('rejects faults for unknown jobs and invalid repeat counts', () => {
    const jobId = simulator.createJob(PLAN);
    expect(() => {
      simulator.injectFault(UNKNOWN_JOB, { kind: 'garbage' });
    }).toThrow();
    expect(() => {
      simulator.injectFault(jobId, { kind: 'garbage' }, 0);
    }).toThrow(RangeError);
    expect(() => {
      simulator.injectFault(jobId, { kind: 'http', status: 42 });
    }).toThrow(RangeError);
  });

  it('serves a 200 whose body is not JSON', async () => {
    const jobId = simulator.createJob(PLAN);
    simulator.injectFault(jobId, { kind: 'garbage' });
    const response = await statusOf(jobId);
    expect(response.status).toBe(200);
    expect(response.text.length).toBeGreaterThan(0);
    expect(() => response.json()).toThrow(SyntaxError);
    expect((await statusOf(jobId)).json().status).toBe('pending');
  });

  it('serves valid JSON of the wrong shape', async () => {
    const jobId = simulator.createJob(PLAN);
    simulator.injectFault(jobId, { kind: 'wrong-shape' });
    const body = (await statusOf(jobId)).json();
    expect(body).not.toHaveProperty('job_id');
    expect(body).not.toHaveProperty('status');
  });

  it('serves a valid document for a different job', async () => {
    const jobId = simulator.createJob(PLAN);
    simulator.injectFault(jobId, { kind: 'mismatched-id' });
    const body = (await statusOf(jobId)).json();
    expect(body.job_id).toMatch(UUID);
    expect(body.job_id).not.toBe(jobId);
    expect({ ...body, job_id: jobId }).toEqual(simulator.documentFor(jobId));
  });

  it('serves an unknown status value in an otherwise normal document', async () => {
    const jobId = simulator.createJob(PLAN);
    advance(6_000);
    simulator.injectFault(jobId, { kind: 'unknown-status', status: 'archived' });
    expect((await statusOf(jobId)).json()).toEqual({ ...simulator.documentFor(jobId), status: 'archived' });
  });

  it('serves a stale document that regresses from completed to processing', async () => {
    const jobId = simulator.createJob(PLAN);
    advance(20_000);
    simulator.injectFault(jobId, { kind: 'stale', status: 'processing' });
    const stale = (await statusOf(jobId)).json();
    expect(stale).toMatchObject({
      job_id: jobId,
      status: 'processing',
      credits_charged: 0,
      results_url: null,
      completed_at: null,
    });
    // The counts of the middle of processing: half of the 97 domains that end up enriched.
    expect(stale.success_count).toBe(48);
    expect((await statusOf(jobId)).json().status).toBe('completed');
  });

  it('destroys the socket without answering on reset, then recovers', async () => {
    const jobId = simulator.createJob(PLAN);
    simulator.injectFault(jobId, { kind: 'reset' });
    await expect(statusOf(jobId)).rejects.toThrow();
    expect((await statusOf(jobId)).status).toBe(200);
    expect(simulator.requestsFor(jobId).map((request) => request.status)).toEqual([0, 200]);
  });

  it('holds the answer for the delay in real time', async () => {
    const jobId = simulator.createJob(PLAN);
    simulator.injectFault(jobId, { kind: 'delay', ms: 150 });
    simulator.injectFault(jobId, { kind: 'delay', ms: 60 });
    const timedOut = fetch(`${baseUrl}/companies/enrich/bulk/${jobId}`, {
      headers: { authorization: `Bearer ${API_KEY}` },
      signal: AbortSignal.timeout(30),
    });
    await expect(timedOut).rejects.toMatchObject({ name: 'TimeoutError' });

    const startedAt = performance.now();
    const delayed = await statusOf(jobId);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(55);
    expect(delayed.status).toBe(200);
    expect(delayed.json().job_id).toBe(jobId);
  });
});

describe('POST /companies/enrich/bulk', () => {
  it('creates a pending job counting unique domains', async () => {
    const response = await call('/companies/enrich/bulk', {
      method: 'POST',
      body: {
        domains: ['stripe.com', 'Stripe.com', ' stripe.com ', 'notion.so'],
        webhook_url: 'https://example.com/hook',
      },
    });
    expect(response.status).toBe(200);
    const created = response.json();
    expect(created).toMatchObject({ status: 'pending', total_domains: 2, estimated_credits: 2 });
    expect(created.job_id).toMatch(UUID);
    const jobId = String(created.job_id);
    expect((await statusOf(jobId)).json()).toMatchObject({ status: 'pending', total_domains: 2 });
    expect(simulator.requests.at(-2)).toMatchObject({ method: 'POST', jobId, status: 200 });
  });

  it.each<[string, unknown, string]>([
    ['an empty domain list', { domains: [] }, 'domains'],
    [
      'too many domains',
      { domains: Array.from({ length: 10_001 }, (_, index) => `d${index}.com`) },
      'domains',
    ],
    ['a missing domain list', { webhook_url: null }, 'domains'],
    ['a non-string domain', { domains: ['a.com', 42] }, 'domains'],
    ['an invalid webhook_url', { domains: ['a.com'], webhook_url: 'not a url' }, 'webhook_url'],
    ['a JSON array body', [], 'body'],
  ])('answers 422 with an errors map for %s', async (_label, body, field) => {
    const response = await call('/companies/enrich/bulk', { method: 'POST', body });
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = response.json();
    expect(problem).toMatchObject({ status: 422 });
    expect(Object.keys(problem.errors as object)).toEqual([field]);
    expect(simulator.exportJobs()).toEqual([]);
  });

  it('accepts exactly 10,000 domains and a null webhook_url', async () => {
    const domains = Array.from({ length: 10_000 }, (_, index) => `d${index}.com`);
    const response = await call('/companies/enrich/bulk', {
      method: 'POST',
      body: { domains, webhook_url: null },
    });
    expect(response.json()).toMatchObject({ total_domains: 10_000 });
  });

  it('answers 400 to a body that is not JSON', async () => {
    const response = await call('/companies/enrich/bulk', { method: 'POST', body: '{"domains": [' });
    expect(response.status).toBe(400);
    expect(response.json()).toMatchObject({ status: 400 });
  });
});

describe('persistence, determinism and lifecycle', () => {
  it('round-trips jobs through JSON so a new simulator reports the same documents', () => {
    const completed = simulator.createJob({ ...PLAN, successRatio: 0.5 });
    advance(3_000);
    const failed = simulator.createJob({ ...PLAN, outcome: 'failed', failureMessage: 'boom', pendingMs: 0 });
    const persisted = JSON.parse(JSON.stringify(simulator.exportJobs())) as ReturnType<
      CompanyEnrichSimulator['exportJobs']
    >;
    expect(persisted.map((plan) => plan.createdAt)).toEqual([
      '2026-02-17T00:00:00.000Z',
      '2026-02-17T00:00:03.000Z',
    ]);

    const restored = new CompanyEnrichSimulator({ apiKey: 'other', clock: () => new Date(nowMs), seed: 99 });
    restored.importJobs(persisted);
    expect(restored.exportJobs()).toEqual(persisted);
    for (const elapsed of [0, 5_000, 20_000]) {
      advance(elapsed);
      expect(restored.documentFor(completed)).toEqual(simulator.documentFor(completed));
      expect(restored.documentFor(failed)).toEqual(simulator.documentFor(failed));
    }
    expect(restored.documentFor(failed)).toMatchObject({ status: 'failed', error_message: 'boom' });
  });

  it('imports nothing when any plan is invalid', () => {
    const good = { ...PLAN, jobId: UNKNOWN_JOB, createdAt: '2026-02-17T00:00:00.000Z' };
    const bad = { ...PLAN, jobId: '11111111-1111-4111-8111-111111111111', createdAt: 'yesterday' };
    expect(() => {
      simulator.importJobs([good, bad]);
    }).toThrow(RangeError);
    expect(simulator.exportJobs()).toEqual([]);
    expect(() => simulator.createJob({ ...PLAN, totalDomains: 0 })).toThrow(RangeError);
  });

  it('refuses to create a job with an id that already exists', () => {
    simulator.createJob({ ...PLAN, jobId: UNKNOWN_JOB });
    expect(() => simulator.createJob({ ...PLAN, jobId: UNKNOWN_JOB.toUpperCase() })).toThrow();
  });

  it('generates the same job ids for the same seed', () => {
    const idsFor = (seed: number): string[] => {
      const seeded = new CompanyEnrichSimulator({ apiKey: 'k', seed });
      return [seeded.createJob(PLAN), seeded.createJob(PLAN)];
    };
    expect(idsFor(5)).toEqual(idsFor(5));
    expect(idsFor(5)).not.toEqual(idsFor(6));
  });

  it('logs requests with the clock time and reports them to onRequest, even if it throws', async () => {
    await simulator.stop();
    const observed: SimulatorRequest[] = [];
    simulator = new CompanyEnrichSimulator({
      apiKey: API_KEY,
      clock: () => new Date(nowMs),
      onRequest: (request) => {
        observed.push(request);
        throw new Error('observer bug');
      },
    });
    ({ url: baseUrl } = await simulator.start());
    const jobId = simulator.createJob(PLAN);
    advance(1_234);
    expect((await call(`/companies/enrich/bulk/${jobId}?verbose=1`)).status).toBe(200);
    expect(observed).toEqual([
      {
        method: 'GET',
        path: `/companies/enrich/bulk/${jobId}`,
        jobId,
        status: 200,
        at: new Date(START + 1_234),
      },
    ]);
    expect(simulator.requests).toEqual(observed);
  });

  it('stops promptly, closing idle keep-alive connections and releasing held requests', async () => {
    const jobId = simulator.createJob(PLAN);
    const agent = new Agent({ keepAlive: true });
    const idle = rawGet('/me', agent);
    await idle.response;
    simulator.injectFault(jobId, { kind: 'delay', ms: 60_000 });
    const held = rawGet(`/companies/enrich/bulk/${jobId}`, false);
    await held.sent;
    await call('/me'); // a later round trip, so the held request has reached the simulator by now

    const startedAt = performance.now();
    await simulator.stop();
    await idle.socketClosed;
    expect(performance.now() - startedAt).toBeLessThan(1_000);
    await expect(held.response).rejects.toThrow();
    expect(simulator.requestsFor(jobId)).toMatchObject([{ status: 0 }]);
    await expect(fetch(`${baseUrl}/me`)).rejects.toThrow();
    agent.destroy();
  });
});

/** A GET through `node:http`, exposing when the request was flushed and when its socket closed. */
function rawGet(
  path: string,
  agent: Agent | false,
): { sent: Promise<void>; response: Promise<number>; socketClosed: Promise<void> } {
  const outgoing = httpRequest(`${baseUrl}${path}`, {
    agent,
    headers: { authorization: `Bearer ${API_KEY}` },
  });
  const sent = new Promise<void>((resolve) => outgoing.once('finish', resolve));
  const socketClosed = new Promise<void>((resolve) => {
    outgoing.once('socket', (socket) =>
      socket.once('close', () => {
        resolve();
      }),
    );
  });
  const response = new Promise<number>((resolve, reject) => {
    outgoing.once('error', reject);
    outgoing.once('response', (incoming) => {
      incoming.resume();
      incoming.once('end', () => {
        resolve(incoming.statusCode ?? 0);
      });
    });
  });
  response.catch(() => undefined); // observed by the test when it matters
  outgoing.end();
  return { sent, response, socketClosed };
}
