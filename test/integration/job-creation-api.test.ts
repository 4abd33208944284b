import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeyProvider } from '../../functions/core/adapters/api-key.js';
import { CompanyEnrichJobCreationApi } from '../../functions/core/adapters/companyenrich-job-creation-api.js';
import { JobCreationError } from '../../functions/core/domain/errors.js';
import { CompanyEnrichSimulator, type CreateFault } from '../../local/simulator/index.js';
import { FakeClock } from '../support/fake-clock.js';

const API_KEY = 'ce_test_key_do_not_log_0123456789';
const WEBHOOK = 'https://watcher.example/hooks/companyenrich/6f1c2a9e-0d7b-4c1e-9a57-3f0e8b2d4c61/token';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('CompanyEnrichJobCreationApi against the simulator', () => {
  const clock = new FakeClock('2026-11-29T10:00:00.000Z');
  const simulator = new CompanyEnrichSimulator({ apiKey: API_KEY, clock: () => clock.now(), seed: 5 });
  let baseUrl: string;
  let invalidations = 0;
  let keyError: Error | null = null;
  const keys: ApiKeyProvider = {
    getKey: () => (keyError ? Promise.reject(keyError) : Promise.resolve(API_KEY)),
    invalidate: () => {
      invalidations += 1;
    },
  };
  /** The request bodies as they left the adapter (the simulator does not keep them). */
  const sentBodies: unknown[] = [];
  const recordingFetch: typeof fetch = (input, init) => {
    if (typeof init?.body === 'string') sentBodies.push(JSON.parse(init.body));
    return fetch(input, init);
  };
  const never = new AbortController().signal;

  function api(overrides: Partial<ConstructorParameters<typeof CompanyEnrichJobCreationApi>[0]> = {}) {
    return new CompanyEnrichJobCreationApi({
      baseUrl,
      apiKeys: keys,
      timeoutMs: 2_000,
      fetch: recordingFetch,
      ...overrides,
    });
  }

  function creates(): number {
    return simulator.requests.filter((request) => request.method === 'POST').length;
  }

  async function failure(promise: Promise<unknown>): Promise<JobCreationError> {
    const error = await promise.then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(JobCreationError);
    const creationError = error as JobCreationError;
    expect(
      JSON.stringify({
        message: creationError.message,
        details: creationError.details,
        stack: creationError.stack,
      }),
    ).not.toContain(API_KEY);
    return creationError;
  }

  beforeAll(async () => {
    ({ url: baseUrl } = await simulator.start());
  });
  afterAll(async () => {
    await simulator.stop();
  });

  it('creates a job with the domains and the webhook URL, and the job can then be polled', async () => {
    const created = await api().createJob(
      { domains: ['example.com', 'acme.io', 'globex.org'], webhookUrl: WEBHOOK },
      { signal: never },
    );
    expect(created.jobId).toMatch(UUID);
    expect(created).toEqual({
      jobId: created.jobId,
      status: 'pending',
      totalDomains: 3,
      estimatedCredits: 3,
    });
    expect(sentBodies.at(-1)).toEqual({
      domains: ['example.com', 'acme.io', 'globex.org'],
      webhook_url: WEBHOOK,
    });
    expect(simulator.documentFor(created.jobId)).toMatchObject({ job_id: created.jobId, total_domains: 3 });
  });

  it('sends webhook_url null when the watcher has no public URL', async () => {
    await api().createJob({ domains: ['example.com'], webhookUrl: null }, { signal: never });
    expect(sentBodies.at(-1)).toEqual({ domains: ['example.com'], webhook_url: null });
  });

  it('passes the API detail of a 422 on as rejected', async () => {
    const error = await failure(api().createJob({ domains: [], webhookUrl: null }, { signal: never }));
    expect(error.kind).toBe('rejected');
    expect(error.details).toEqual({ httpStatus: 422, apiDetail: 'Validation failed.' });
    expect(error.message).toBe('CompanyEnrich answered 422: Validation failed.');
  });

  it.each([
    [
      { kind: 'http', status: 400, body: { title: 'Bad Request', detail: 'domains is malformed' } },
      'rejected',
    ],
    [{ kind: 'http', status: 402 }, 'payment_required'],
    [{ kind: 'http', status: 500 }, 'unavailable'],
    [{ kind: 'http', status: 503 }, 'unavailable'],
    [{ kind: 'http', status: 302, body: '' }, 'unavailable'],
    [{ kind: 'garbage' }, 'unavailable'],
    [{ kind: 'wrong-shape' }, 'unavailable'],
    [{ kind: 'reset' }, 'unavailable'],
  ] satisfies [CreateFault, string][])('classifies %j as %s and never retries it', async (fault, kind) => {
    const before = creates();
    simulator.injectCreateFault(fault);
    // A retry would meet no fault and succeed: the failure itself shows there was none.
    const error = await failure(
      api().createJob({ domains: ['example.com'], webhookUrl: null }, { signal: never }),
    );
    expect(error.kind).toBe(kind);
    expect(creates() - before).toBe(1);
  });

  it('names the invalid fields of a malformed 200, not their values', async () => {
    simulator.injectCreateFault({ kind: 'http', status: 200, body: { job_id: 'secret-looking-value' } });
    const error = await failure(
      api().createJob({ domains: ['example.com'], webhookUrl: null }, { signal: never }),
    );
    expect(error.kind).toBe('unavailable');
    expect(error.message).toBe('Job creation response failed validation at: job_id');
  });

  it('reads Retry-After on a 429', async () => {
    simulator.injectCreateFault({ kind: 'http', status: 429, headers: { 'Retry-After': '17' } });
    const error = await failure(
      api().createJob({ domains: ['example.com'], webhookUrl: null }, { signal: never }),
    );
    expect(error.kind).toBe('throttled');
    expect(error.details).toMatchObject({ httpStatus: 429, retryAfterMs: 17_000 });
  });

  it('drops a cached key after a 401', async () => {
    const before = invalidations;
    const postsBefore = creates();
    simulator.setApiKey('rotated-key');
    try {
      const error = await failure(
        api().createJob({ domains: ['example.com'], webhookUrl: null }, { signal: never }),
      );
      expect(error.kind).toBe('unauthorized');
      expect(error.details.apiDetail).toBe('Send Authorization: Bearer <API_KEY>.');
      expect(invalidations).toBe(before + 1);
      // The refetched key is the same one: it is not sent again.
      expect(creates()).toBe(postsBefore + 1);
    } finally {
      simulator.setApiKey(API_KEY);
    }
  });

  it('after a 401, creates the job with a rotated key (a refused create created nothing)', async () => {
    const rotatedKey = 'rotated-key-for-create-42';
    let current = API_KEY;
    const rotating: ApiKeyProvider = {
      getKey: () => Promise.resolve(current),
      invalidate: () => {
        current = rotatedKey;
      },
    };
    simulator.setApiKey(rotatedKey);
    try {
      const before = creates();
      const created = await api({ apiKeys: rotating }).createJob(
        { domains: ['example.com'], webhookUrl: null },
        { signal: never },
      );
      expect(created.jobId).toMatch(UUID);
      const posts = simulator.requests.filter((request) => request.method === 'POST').slice(before);
      expect(posts.map((request) => request.status)).toEqual([401, 200]);
    } finally {
      simulator.setApiKey(API_KEY);
    }
  });

  it('sends nothing when the key cannot be read', async () => {
    const before = simulator.requests.length;
    keyError = new Error('AccessDeniedException: secret enrich-key');
    try {
      const error = await failure(
        api().createJob({ domains: ['example.com'], webhookUrl: null }, { signal: never }),
      );
      expect(error.kind).toBe('api_key_unavailable');
      expect(error.cause).toBe(keyError);
    } finally {
      keyError = null;
    }
    expect(simulator.requests.length).toBe(before);
  });

  it('times out a slow answer, and an aborted request, as unavailable: the job may exist', async () => {
    simulator.injectCreateFault({ kind: 'delay', ms: 1_000 });
    const timedOut = await failure(
      api({ timeoutMs: 100 }).createJob({ domains: ['example.com'], webhookUrl: null }, { signal: never }),
    );
    expect(timedOut).toMatchObject({
      kind: 'unavailable',
      message: 'No answer from CompanyEnrich within 100 ms',
    });

    // Aborted by the caller (the API request's own deadline): reported the same way.
    const caller = new AbortController();
    caller.abort(new Error('client went away'));
    const aborted = await failure(
      api().createJob({ domains: ['example.com'], webhookUrl: null }, { signal: caller.signal }),
    );
    expect(aborted).toMatchObject({ kind: 'unavailable', message: 'Job creation request aborted' });
  });

  it('reports an unreachable API as unavailable', async () => {
    const unreachable = api({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 1_000 });
    const error = await failure(
      unreachable.createJob({ domains: ['example.com'], webhookUrl: null }, { signal: never }),
    );
    expect(error).toMatchObject({ kind: 'unavailable', message: 'Could not reach CompanyEnrich' });
  });
});
