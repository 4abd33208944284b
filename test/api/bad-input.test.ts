import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { makeApiHandler } from '../../functions/api/make-handler.js';
import type { WebhookApplication, WebhookOutcome } from '../../functions/core/application.js';
import { makeWebhookHandler } from '../../functions/webhook/make-handler.js';
import { apiGatewayEvent, httpLambdaContext, parseResponse } from '../support/api-gateway-event.js';
import { generateBadRequests } from './bad-requests.js';
import { FakeJobsApplication } from './fake-jobs-application.js';

const SEED = 7_2026;
const cases = generateBadRequests(SEED);

/** Records hints; the suite expects none. */
class RecordingWebhooks implements WebhookApplication {
  readonly hints: string[] = [];
  hint(jobId: string): Promise<WebhookOutcome> {
    this.hints.push(jobId);
    return Promise.resolve('checked');
  }
}

/**
 * The generated bad-input suite against recording applications: every malformed request gets its
 * documented 4xx as problem+json, and neither application is ever called, so nothing can be
 * written. (test/api/real-application.test.ts runs the same cases against the real application
 * and checks the table.)
 */
describe(`bad input (seed ${SEED}, ${cases.length} requests)`, () => {
  const jobs = new FakeJobsApplication();
  const webhooks = new RecordingWebhooks();
  const observers = {
    logger: new Logger({ serviceName: 'enrich-job-watch-test' }),
  };
  const handlers = {
    api: makeApiHandler({ jobs, ...observers }),
    webhook: makeWebhookHandler({ webhooks, ...observers }),
  };

  it('has at least 300 requests over every category and route', () => {
    expect(cases.length).toBeGreaterThanOrEqual(300);
    expect(new Set(cases.map((c) => c.category))).toEqual(
      new Set([
        'content type',
        'size',
        'encoding',
        'json syntax',
        'types',
        'values',
        'unknown fields',
        'ids',
        'domains',
        'headers',
        'query',
        'routes',
        'webhook',
      ]),
    );
    const routes = new Set(
      cases.map((c) => `${c.request.method} ${c.request.path.split('/').slice(0, 3).join('/')}`),
    );
    for (const route of [
      'POST /jobs',
      'POST /jobs/bulk',
      'GET /jobs',
      'DELETE /jobs',
      'POST /hooks/companyenrich',
    ]) {
      expect([...routes].some((r) => r.startsWith(route))).toBe(true);
    }
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, badCase) => {
    const before = { calls: jobs.calls.length, hints: webhooks.hints.length };
    const result = await handlers[badCase.target](apiGatewayEvent(badCase.request), httpLambdaContext());
    const response = parseResponse(result);
    expect(response.status).toBe(badCase.status);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({
      type: `tag:enrich-job-watch,2026:problem:${badCase.type}`,
      title: expect.any(String) as string,
      status: badCase.status,
      detail: expect.stringMatching(/\S{3}/) as string,
      instance: expect.any(String) as string,
    });
    if (badCase.type === 'validation-failed') {
      expect((response.body as { errors: unknown[] }).errors.length).toBeGreaterThan(0);
    }
    expect(jobs.calls.slice(before.calls)).toEqual([]);
    expect(webhooks.hints.slice(before.hints)).toEqual([]);
  });
});
