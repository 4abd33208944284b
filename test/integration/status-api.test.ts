import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeyProvider } from '../../functions/core/adapters/api-key.js';
import { CompanyEnrichStatusApi } from '../../functions/core/adapters/companyenrich-status-api.js';
import { ApiThrottledError, StatusApiError } from '../../functions/core/domain/errors.js';
import { CompanyEnrichSimulator } from '../../local/simulator/index.js';
import { FakeClock } from '../support/fake-clock.js';

const API_KEY = 'ce_test_key_do_not_log_0123456789';
const MINUTE = 60_000;

describe('CompanyEnrichStatusApi against the simulator', () => {
  const clock = new FakeClock('2026-11-29T10:00:00.000Z');
  const simulator = new CompanyEnrichSimulator({ apiKey: API_KEY, clock: () => clock.now(), seed: 3 });
  let baseUrl: string;
  let invalidations = 0;
  const keys: ApiKeyProvider = {
    getKey: () => Promise.resolve(API_KEY),
    invalidate: () => {
      invalidations += 1;
    },
  };
  const never = new AbortController().signal;

  function api(
    overrides: Partial<ConstructorParameters<typeof CompanyEnrichStatusApi>[0]> = {},
  ): CompanyEnrichStatusApi {
    return new CompanyEnrichStatusApi({
      baseUrl,
      apiKeys: keys,
      timeoutMs: 2_000,
      retryDelayMs: 10,
      ...overrides,
    });
  }

  function newJob(outcome: 'completed' | 'failed' = 'completed'): string {
    return simulator.createJob({
      totalDomains: 100,
      pendingMs: MINUTE,
      processingMs: MINUTE,
      completingMs: MINUTE,
      outcome,
    });
  }

  async function failure(promise: Promise<unknown>): Promise<StatusApiError> {
    const error = await promise.then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(StatusApiError);
    const apiError = error as StatusApiError;
    // Whatever went wrong, the key never travels in the error.
    expect(
      JSON.stringify({ message: apiError.message, details: apiError.details, stack: apiError.stack }),
    ).not.toContain(API_KEY);
    return apiError;
  }

  beforeAll(async () => {
    ({ url: baseUrl } = await simulator.start());
  });
  afterAll(async () => {
    await simulator.stop();
  });

  it('returns the validated document with every documented field', async () => {
    const jobId = newJob();
    clock.advance(3 * MINUTE + 1);
    const document = await api().getJobStatus(jobId, { signal: never });
    expect(document).toMatchObject({ job_id: jobId, status: 'completed', total_domains: 100 });
    expect(Object.keys(document).sort()).toEqual(
      [
        'job_id',
        'status',
        'total_domains',
        'success_count',
        'failed_count',
        'credits_charged',
        'created_at',
        'started_at',
        'completed_at',
        'results_url',
        'error_message',
      ].sort(),
    );
    const sent = simulator.requestsFor(jobId);
    expect(sent).toHaveLength(1);
  });

  it.each([
    [{ kind: 'http', status: 401 } as const, 'unauthorized'],
    [{ kind: 'http', status: 402 } as const, 'payment_required'],
    [{ kind: 'http', status: 403 } as const, 'forbidden'],
    [{ kind: 'http', status: 404 } as const, 'not_found'],
    [{ kind: 'http', status: 400 } as const, 'rejected'],
    [{ kind: 'http', status: 500 } as const, 'server_error'],
    [{ kind: 'http', status: 418 } as const, 'unexpected_http_status'],
    [{ kind: 'garbage' } as const, 'malformed'],
    [{ kind: 'wrong-shape' } as const, 'malformed'],
    [{ kind: 'mismatched-id' } as const, 'mismatched'],
  ])('classifies %j as %s', async (fault, kind) => {
    const jobId = newJob();
    simulator.injectFault(jobId, fault);
    const error = await failure(api({ retries: 0 }).getJobStatus(jobId, { signal: never }));
    expect(error.kind).toBe(kind);
  });

  it('passes the problem detail of a 422 on, for the rejected notification', async () => {
    const jobId = newJob();
    simulator.injectFault(jobId, {
      kind: 'http',
      status: 422,
      body: {
        type: 'about:blank',
        title: 'Unprocessable Entity',
        status: 422,
        detail: 'jobId is not a bulk job',
      },
    });
    const error = await failure(api().getJobStatus(jobId, { signal: never }));
    expect(error.kind).toBe('rejected');
    expect(error.message).toBe('CompanyEnrich answered 422: jobId is not a bulk job');
    expect(error.details).toEqual({ httpStatus: 422, apiDetail: 'jobId is not a bulk job' });
  });

  it('reads Retry-After on a 429 and does not retry it', async () => {
    const jobId = newJob();
    simulator.injectFault(jobId, { kind: 'http', status: 429, headers: { 'retry-after': '42' } });
    const error = await failure(api().getJobStatus(jobId, { signal: never }));
    expect(error).toBeInstanceOf(ApiThrottledError);
    expect(error instanceof ApiThrottledError && error.retryAfterMs).toBe(42_000);
    expect(simulator.requestsFor(jobId)).toHaveLength(1);
  });

  it('retries a reset connection or a 503 once, then gives up', async () => {
    const recovered = newJob();
    simulator.injectFault(recovered, { kind: 'reset' });
    await expect(api().getJobStatus(recovered, { signal: never })).resolves.toMatchObject({
      job_id: recovered,
    });
    expect(simulator.requestsFor(recovered)).toHaveLength(2);

    const down = newJob();
    simulator.injectFault(down, { kind: 'http', status: 503 }, 5);
    const error = await failure(api().getJobStatus(down, { signal: never }));
    expect(error.kind).toBe('server_error');
    expect(simulator.requestsFor(down)).toHaveLength(2);
  });

  it('adds no abort listener to the caller signal while many requests wait to retry', async () => {
    const tick = new AbortController();
    let listening = 0;
    let mostAtOnce = 0;
    const add = tick.signal.addEventListener.bind(tick.signal);
    const remove = tick.signal.removeEventListener.bind(tick.signal);
    tick.signal.addEventListener = (...args: Parameters<AbortSignal['addEventListener']>) => {
      listening += 1;
      mostAtOnce = Math.max(mostAtOnce, listening);
      add(...args);
    };
    tick.signal.removeEventListener = (...args: Parameters<AbortSignal['removeEventListener']>) => {
      listening -= 1;
      remove(...args);
    };
    const jobs = Array.from({ length: 16 }, () => newJob());
    for (const jobId of jobs) simulator.injectFault(jobId, { kind: 'http', status: 503 });

    const answers = await Promise.all(
      jobs.map((jobId) => api({ retryDelayMs: 100 }).getJobStatus(jobId, { signal: tick.signal })),
    );

    expect(answers.map((answer) => answer.job_id)).toEqual(jobs);
    expect(mostAtOnce).toBeLessThanOrEqual(1);
  });

  it('times out a slow answer, and reports the tick abort as aborted', async () => {
    const slow = newJob();
    simulator.injectFault(slow, { kind: 'delay', ms: 2_000 });
    const timedOut = await failure(api({ timeoutMs: 150, retries: 0 }).getJobStatus(slow, { signal: never }));
    expect(timedOut.kind).toBe('timeout');

    const aborted = newJob();
    simulator.injectFault(aborted, { kind: 'delay', ms: 2_000 });
    const tick = new AbortController();
    const pending = api().getJobStatus(aborted, { signal: tick.signal });
    tick.abort(new Error('deadline'));
    expect((await failure(pending)).kind).toBe('aborted');
  });

  it('after a 401, refetches the key once and retries only if it changed', async () => {
    const jobId = newJob();
    const rotatedKey = 'rotated-key-0123456789';
    let current = API_KEY;
    let refetches = 0;
    const rotating: ApiKeyProvider = {
      getKey: () => Promise.resolve(current),
      invalidate: () => {
        refetches += 1;
        current = rotatedKey;
      },
    };
    simulator.setApiKey(rotatedKey);
    try {
      // A refused request is logged without its job id (the simulator checks the key first).
      const before = simulator.requests.length;
      await expect(api({ apiKeys: rotating }).getJobStatus(jobId, { signal: never })).resolves.toMatchObject({
        job_id: jobId,
      });
      expect(refetches).toBe(1);
      expect(simulator.requests.slice(before).map((request) => request.status)).toEqual([401, 200]);
    } finally {
      simulator.setApiKey(API_KEY);
    }
  });

  it('reports unauthorized after one request when the refetched key is the same (a revoked key)', async () => {
    const before = invalidations;
    const jobId = newJob();
    simulator.setApiKey('rotated-key');
    try {
      const requestsBefore = simulator.requests.length;
      const error = await failure(api().getJobStatus(jobId, { signal: never }));
      expect(error.kind).toBe('unauthorized');
      expect(invalidations).toBe(before + 1);
      // The key did not change, so sending it again could only be refused again.
      expect(simulator.requests.slice(requestsBefore).map((request) => request.status)).toEqual([401]);
    } finally {
      simulator.setApiKey(API_KEY);
    }
  });

  it('accepts an unknown status value so the watcher can record it as an anomaly', async () => {
    const jobId = newJob();
    simulator.injectFault(jobId, { kind: 'unknown-status', status: 'archived' });
    await expect(api().getJobStatus(jobId, { signal: never })).resolves.toMatchObject({ status: 'archived' });
  });

  it('reports an unreachable API as a network error', async () => {
    const unreachable = new CompanyEnrichStatusApi({
      baseUrl: 'http://127.0.0.1:9',
      apiKeys: keys,
      timeoutMs: 1_000,
      retryDelayMs: 10,
    });
    const error = await failure(unreachable.getJobStatus(newJob(), { signal: never }));
    expect(error.kind).toBe('network');
  });
});
