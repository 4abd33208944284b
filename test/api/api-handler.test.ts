import { Logger } from '@aws-lambda-powertools/logger';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { makeApiHandler } from '../../functions/api/make-handler.js';
import {
  ConcurrentUpdateError,
  IdempotencyConflictError,
  JobCreationError,
  JobCreationErrorKind,
  SubmissionInProgressError,
  ValidationError,
} from '../../functions/core/domain/errors.js';
import {
  apiGatewayEvent,
  httpLambdaContext,
  parseResponse,
  type ApiRequest,
  type ParsedResponse,
} from '../support/api-gateway-event.js';
import { JOB_ID, snapshot, T0, trackedJob } from '../support/builders.js';
import { captureOutput, logLines } from '../support/captured-output.js';
import { FakeJobsApplication } from './fake-jobs-application.js';

const JSON_HEADERS = { 'content-type': 'application/json' };
const PROBLEM_TYPE = /^tag:enrich-job-watch,2026:problem:[a-z-]+$/;

interface Harness {
  app: FakeJobsApplication;
  logger: Logger;
  call: (request: ApiRequest, remainingMs?: number) => Promise<ParsedResponse>;
}

function harness(logger = new Logger({ serviceName: 'enrich-job-watch-test' })): Harness {
  const app = new FakeJobsApplication();
  const handler = makeApiHandler({ jobs: app, logger });
  return {
    app,
    logger,
    call: async (request, remainingMs) =>
      parseResponse(await handler(apiGatewayEvent(request), httpLambdaContext(remainingMs))),
  };
}

/** The RFC 9457 members every problem carries. */
function expectProblem(
  response: ParsedResponse,
  status: number,
  type: string,
  detail: RegExp | string,
): void {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('application/problem+json');
  expect(response.body).toMatchObject({
    type: expect.stringMatching(PROBLEM_TYPE) as string,
    title: expect.any(String) as string,
    status,
    detail: (typeof detail === 'string'
      ? expect.stringContaining(detail)
      : expect.stringMatching(detail)) as string,
    instance: expect.any(String) as string,
    request_id: expect.any(String) as string,
  });
  expect((response.body as { type: string }).type).toBe(`tag:enrich-job-watch,2026:problem:${type}`);
}

describe('POST /jobs', () => {
  let h: Harness;
  beforeEach(() => {
    h = harness();
  });

  it('answers 201 with the job and its location when new, 200 with the same job when already tracked', async () => {
    const request = {
      method: 'POST',
      path: '/jobs',
      headers: JSON_HEADERS,
      body: { job_id: JOB_ID.toUpperCase(), label: 'Q4 leads', metadata: { team: 'growth' } },
    };
    const created = await h.call(request);
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/jobs/${JOB_ID}`);
    expect(created.headers['content-type']).toBe('application/json');
    expect(created.body).toMatchObject({
      job_id: JOB_ID,
      status: 'pending',
      label: 'Q4 leads',
      metadata: { team: 'growth' },
      history: [],
    });
    expect(h.app.calls).toEqual([
      {
        method: 'track',
        command: { jobId: JOB_ID.toUpperCase(), label: 'Q4 leads', metadata: { team: 'growth' } },
      },
    ]);

    const again = await h.call(request);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(created.body);
  });

  it('accepts a base64 body and a charset parameter, as API Gateway may deliver them', async () => {
    const response = await h.call({
      method: 'POST',
      path: '/jobs',
      headers: { 'Content-Type': 'application/json; charset="UTF-8"' },
      body: { job_id: JOB_ID },
      base64: true,
    });
    expect(response.status).toBe(201);
    expect(h.app.calls).toEqual([{ method: 'track', command: { jobId: JOB_ID } }]);
  });

  it('maps a ValidationError of the application to 422 with its message', async () => {
    h.app.failNext(new ValidationError('The label must not contain control characters'));
    const response = await h.call({
      method: 'POST',
      path: '/jobs',
      headers: JSON_HEADERS,
      body: { job_id: JOB_ID },
    });
    expectProblem(response, 422, 'validation-failed', 'The label must not contain control characters');
  });
});

describe('POST /jobs/bulk', () => {
  let h: Harness;
  beforeEach(() => {
    h = harness();
  });

  const submit = (body: unknown, headers: Record<string, string> = {}, remainingMs?: number) =>
    h.call(
      { method: 'POST', path: '/jobs/bulk', headers: { ...JSON_HEADERS, ...headers }, body },
      remainingMs,
    );

  it('answers 202 with the job, the duplicates removed and the tracking state; a retry with the key replays the same body', async () => {
    const body = {
      domains: ['example.com', 'Example.com', 'acme.io'],
      label: 'Leads',
      metadata: { run: '7' },
    };
    const first = await submit(body, { 'idempotency-key': 'run-7' });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({
      job_id: '00000000-0000-4000-8000-000000000001',
      domain_count: 2,
      duplicates_removed: ['example.com'],
      tracking: 'tracked',
      job: { job_id: '00000000-0000-4000-8000-000000000001', label: 'Leads', metadata: { run: '7' } },
    });
    expect(first.headers.location).toBe('/jobs/00000000-0000-4000-8000-000000000001');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(h.app.calls[0]).toMatchObject({
      method: 'submit',
      command: { domains: body.domains, label: 'Leads', metadata: { run: '7' }, idempotencyKey: 'run-7' },
    });

    const replay = await submit(body, { 'idempotency-key': 'run-7' });
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers['idempotent-replayed']).toBe('true');
  });

  it('passes no key when there is none, and a signal that aborts before the Lambda deadline', async () => {
    await submit({ domains: ['example.com'] }, {}, 29_000);
    await submit({ domains: ['example.com'] }, {}, 1_050);
    const [roomy, tight] = h.app.calls.map((call) => (call.method === 'submit' ? call : undefined));
    expect(roomy?.command.idempotencyKey).toBeNull();
    expect(roomy?.signal.aborted).toBe(false);
    // 1,050 ms left, one second kept for answering: the signal fires about 50 ms in.
    await new Promise((resolve) => tight?.signal.addEventListener('abort', resolve));
    expect(tight?.signal.reason).toBeInstanceOf(DOMException);
  });

  it('answers 202 with tracking "failed" when CompanyEnrich created the job but tracking failed', async () => {
    const app = h.app;
    vi.spyOn(app, 'submit').mockResolvedValueOnce({
      outcome: 'created',
      jobId: JOB_ID,
      domainCount: 1,
      duplicatesRemoved: [],
      tracking: 'failed',
      job: null,
    });
    const response = await submit({ domains: ['example.com'] });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({
      job_id: JOB_ID,
      domain_count: 1,
      duplicates_removed: [],
      tracking: 'failed',
      job: null,
    });
  });

  it('lists every invalid part of a body with a JSON pointer, and never calls the application', async () => {
    const response = await submit({ domains: ['example.com', 'https://acme.io', 7], labels: 'x' });
    // Domain rules apply once every entry is a string: the type errors come first.
    expectProblem(
      response,
      422,
      'validation-failed',
      '/domains/2 must be a string; /labels is not a known field',
    );
    expect((response.body as { errors: unknown }).errors).toEqual([
      { pointer: '/domains/2', detail: 'must be a string' },
      { pointer: '/labels', detail: 'is not a known field' },
    ]);
    const domains = await submit({ domains: ['example.com', 'https://acme.io', 'a..b'] });
    expect((domains.body as { errors: unknown }).errors).toEqual([
      { pointer: '/domains/1', detail: 'is not a valid domain: a URL, not a domain (remove the scheme)' },
      { pointer: '/domains/2', detail: 'is not a valid domain: has an empty label (consecutive dots)' },
    ]);
    expect(h.app.calls).toEqual([]);
  });

  it.each([
    [new IdempotencyConflictError('k'), 422, 'idempotency-conflict', 'different request body', undefined],
    [new SubmissionInProgressError('k'), 409, 'submission-in-progress', 'still being processed', '5'],
    [
      new JobCreationError(JobCreationErrorKind.Rejected, 'refused', {
        httpStatus: 422,
        apiDetail: 'domains[2] is not a domain',
      }),
      422,
      'job-rejected',
      'CompanyEnrich refused to create the job (HTTP 422): domains[2] is not a domain',
      undefined,
    ],
    [
      new JobCreationError(JobCreationErrorKind.Unauthorized, '401'),
      502,
      'companyenrich-account-problem',
      /API key.*watcher’s own CompanyEnrich account/,
      undefined,
    ],
    [
      new JobCreationError(JobCreationErrorKind.PaymentRequired, '402'),
      502,
      'companyenrich-account-problem',
      /out of credits.*not with your request/,
      undefined,
    ],
    [
      new JobCreationError(JobCreationErrorKind.ApiKeyUnavailable, 'no key'),
      503,
      'companyenrich-account-problem',
      /cannot read its CompanyEnrich API key/,
      undefined,
    ],
    [
      new JobCreationError(JobCreationErrorKind.Throttled, '429', { retryAfterMs: 12_300 }),
      503,
      'companyenrich-throttled',
      'Retry after 13 seconds',
      '13',
    ],
    [
      new JobCreationError(JobCreationErrorKind.Throttled, '429'),
      503,
      'companyenrich-throttled',
      'Retry after 60 seconds',
      '60',
    ],
    [
      new JobCreationError(JobCreationErrorKind.Unavailable, 'timeout'),
      502,
      'companyenrich-unavailable',
      'retry with the same Idempotency-Key',
      undefined,
    ],
  ])('maps %s to %i', async (error, status, type, detail, retryAfter) => {
    h.app.failNext(error);
    const response = await submit({ domains: ['example.com'] }, { 'idempotency-key': 'k' });
    expectProblem(response, status, type, detail);
    expect(response.headers['retry-after']).toBe(retryAfter);
    // Never the API key, nor any hint of one.
    expect(JSON.stringify(response.body)).not.toMatch(/ce_live|secret/i);
  });
});

describe('GET /jobs/{jobId} and DELETE /jobs/{jobId}', () => {
  let h: Harness;
  beforeEach(() => {
    h = harness();
  });

  it('GET answers the job view with its full history; an unknown job is a 404 problem', async () => {
    const history = [
      { from: 'pending' as const, to: 'processing' as const, at: T0, counts: null },
      {
        from: 'processing' as const,
        to: 'completed' as const,
        at: '2026-11-29T10:05:00.000Z',
        counts: { total_domains: 3, success_count: 3, failed_count: 0, credits_charged: 3 },
      },
    ];
    h.app.jobs.set(
      JOB_ID,
      trackedJob({ status: 'completed', history, snapshot: snapshot({ status: 'completed' }) }),
    );
    const response = await h.call({ method: 'GET', path: `/jobs/${JOB_ID.toUpperCase()}` });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      job_id: JOB_ID,
      status: 'completed',
      history,
      job: { status: 'completed' },
      notification_owed: false,
    });
    expect(h.app.calls).toEqual([{ method: 'get', jobId: JOB_ID }]);

    const missing = await h.call({ method: 'GET', path: '/jobs/11111111-2222-4333-8444-555555555555' });
    expectProblem(missing, 404, 'not-found', 'Job 11111111-2222-4333-8444-555555555555 is not tracked');
    expect((missing.body as { instance: string }).instance).toBe(
      '/jobs/11111111-2222-4333-8444-555555555555',
    );
  });

  it('DELETE answers 200 with the job it stopped tracking; an unknown job is a 404; a race is a 409', async () => {
    h.app.jobs.set(JOB_ID, trackedJob());
    const response = await h.call({ method: 'DELETE', path: `/jobs/${JOB_ID}` });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ job_id: JOB_ID, label: 'Q4 leads' });

    expectProblem(
      await h.call({ method: 'DELETE', path: '/jobs/11111111-2222-4333-8444-555555555555' }),
      404,
      'not-found',
      'is not tracked',
    );
    h.app.failNext(new ConcurrentUpdateError(`JOB#${JOB_ID}`, 'version = :v'));
    expectProblem(
      await h.call({ method: 'DELETE', path: `/jobs/${JOB_ID}` }),
      409,
      'concurrent-update',
      'retry',
    );
  });

  it('serves the same routes under a named stage', async () => {
    h.app.jobs.set(JOB_ID, trackedJob());
    const response = await h.call({ method: 'GET', path: `/jobs/${JOB_ID}`, stage: 'prod' });
    expect(response.status).toBe(200);
    const created = await h.call({
      method: 'POST',
      path: '/jobs',
      stage: 'prod',
      headers: JSON_HEADERS,
      body: { job_id: '11111111-2222-4333-8444-555555555555' },
    });
    expect(created.headers.location).toBe('/prod/jobs/11111111-2222-4333-8444-555555555555');
  });
});

describe('GET /jobs', () => {
  it('pages newest first with next_cursor, passing status, limit and cursor through', async () => {
    const h = harness();
    for (const n of [1, 2, 3]) {
      const jobId = `00000000-0000-4000-8000-00000000000${n}`;
      h.app.jobs.set(jobId, trackedJob({ jobId, label: `Job ${n}` }));
    }
    const first = await h.call({ method: 'GET', path: '/jobs', query: { limit: '2', status: 'pending' } });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      items: [1, 2].map((n) => ({
        job_id: `00000000-0000-4000-8000-00000000000${n}`,
        status: 'pending',
        label: `Job ${n}`,
        tracked_at: T0,
        untracked_at: null,
      })),
      next_cursor: '2',
    });
    const second = await h.call({
      method: 'GET',
      path: '/jobs',
      query: { limit: '2', status: 'pending', cursor: '2' },
    });
    expect(second.body).toMatchObject({ items: [{ label: 'Job 3' }], next_cursor: null });
    const defaults = await h.call({ method: 'GET', path: '/jobs' });
    expect(defaults.status).toBe(200);
    expect(h.app.calls.map((call) => (call.method === 'list' ? call.query : null))).toEqual([
      { status: 'pending', limit: 2, cursor: null },
      { status: 'pending', limit: 2, cursor: '2' },
      { limit: 25, cursor: null },
    ]);
  });

  it('answers 400 for a cursor the store did not issue', async () => {
    const h = harness();
    h.app.failNext(new ValidationError('The cursor was not issued for this query'));
    expectProblem(
      await h.call({ method: 'GET', path: '/jobs', query: { cursor: 'forged' } }),
      400,
      'malformed-request',
      'The cursor was not issued',
    );
  });
});

describe('routing and faults', () => {
  it('answers 404 for an unknown path and 405 with Allow for a known path with another method', async () => {
    const h = harness();
    expectProblem(await h.call({ method: 'GET', path: '/nope' }), 404, 'not-found', 'no such route');
    const put = await h.call({ method: 'PUT', path: '/jobs' });
    expectProblem(put, 405, 'method-not-allowed', 'use');
    expect(put.headers.allow).toBe('POST, GET');
    const patch = await h.call({ method: 'PATCH', path: `/jobs/${JOB_ID}` });
    expect(patch.headers.allow).toBe('GET, DELETE');
    expect(h.app.calls).toEqual([]);
  });

  it('answers a fault of its own with a generic 500 and logs the error, without leaking it', async () => {
    const h = harness();
    const logged = vi.spyOn(h.logger, 'error');
    h.app.failNext(new TypeError('Cannot read properties of undefined (reading "pk") at table ExampleTable'));
    const response = await h.call({ method: 'GET', path: `/jobs/${JOB_ID}` });
    expectProblem(response, 500, 'internal-error', 'Quote the request_id');
    expect(JSON.stringify(response.body)).not.toContain('ExampleTable');
    expect(logged).toHaveBeenCalledWith(
      'Request failed',
      expect.objectContaining({
        error: expect.objectContaining({
          name: 'TypeError',
          message: expect.stringContaining('ExampleTable') as string,
        }) as object,
      }),
    );
  });
});

describe('the outcome field (what the saved HTTP outcomes query counts)', () => {
  it('is logged once per request, on a fixed message, whatever the request came to', async () => {
    const h = harness(new Logger({ serviceName: 'enrich-job-watch-test', logLevel: 'INFO' }));
    const track = { method: 'POST', path: '/jobs', headers: JSON_HEADERS, body: { job_id: JOB_ID } };
    const submit = {
      method: 'POST',
      path: '/jobs/bulk',
      headers: { ...JSON_HEADERS, 'idempotency-key': 'run-1' },
      body: { domains: ['example.com'] },
    };
    const { json } = await captureOutput(async () => {
      await h.call(track);
      await h.call(track);
      await h.call(submit);
      await h.call(submit);
      await h.call({ method: 'GET', path: `/jobs/${JOB_ID}` });
      await h.call({ method: 'GET', path: '/jobs' });
      await h.call({ method: 'DELETE', path: `/jobs/${JOB_ID}` });
      await h.call({ method: 'POST', path: '/jobs', headers: JSON_HEADERS, body: { job_id: 'nope' } });
      h.app.failNext(new JobCreationError(JobCreationErrorKind.Unauthorized, '401'));
      await h.call(submit);
      h.app.failNext(new Error('the table is gone'));
      await h.call({ method: 'GET', path: `/jobs/${JOB_ID}` });
    });
    const outcomes = logLines(json)
      .filter((line) => 'outcome' in line)
      .map((line) => [line.message, line.outcome]);
    expect(outcomes).toEqual([
      ['Request served', 'job_tracked'],
      ['Request served', 'job_already_tracked'],
      ['Request served', 'job_submitted'],
      ['Request served', 'submit_replayed'],
      ['Request served', 'job_read'],
      ['Request served', 'job_page_listed'],
      ['Request served', 'job_untracked'],
      ['Request refused', 'client_error'],
      ['CompanyEnrich could not serve the request', 'upstream_error'],
      ['Request failed', 'server_error'],
    ]);
  });
});
