import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import type { WebhookApplication, WebhookOutcome } from '../../functions/core/application.js';
import { JobNotTrackedError } from '../../functions/core/domain/errors.js';
import { makeWebhookHandler } from '../../functions/webhook/make-handler.js';
import {
  apiGatewayEvent,
  httpLambdaContext,
  parseResponse,
  type ApiRequest,
} from '../support/api-gateway-event.js';
import { JOB_ID } from '../support/builders.js';
import { captureOutput, logLines } from '../support/captured-output.js';

const TOKEN = 'Xk3v9QmJ0bq1-_8aZr2LwYpT5sE6dHnC4uVg7fKiMoA';
const HOOK = `/hooks/companyenrich/${JOB_ID}/${TOKEN}`;

/** A webhook application answering from a script, recording what it was asked. */
class ScriptedWebhooks implements WebhookApplication {
  readonly hints: { jobId: string; token: string; signal: AbortSignal }[] = [];
  constructor(private readonly answer: (jobId: string, token: string) => WebhookOutcome | Error) {}
  hint(jobId: string, token: string, options: { signal: AbortSignal }): Promise<WebhookOutcome> {
    this.hints.push({ jobId, token, signal: options.signal });
    const answer = this.answer(jobId, token);
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  }
}

function harness(
  answer: (jobId: string, token: string) => WebhookOutcome | Error,
  logger = new Logger({ serviceName: 'enrich-job-watch-test' }),
) {
  const webhooks = new ScriptedWebhooks(answer);
  const handler = makeWebhookHandler({
    webhooks,
    logger,
  });
  const call = async (request: Partial<ApiRequest> = {}, remainingMs?: number) =>
    parseResponse(
      await handler(
        apiGatewayEvent({
          method: 'POST',
          path: HOOK,
          body: { status: 'completed' },
          headers: { 'content-type': 'application/json' },
          ...request,
        }),
        httpLambdaContext(remainingMs, 'enrich-job-watch-webhook'),
      ),
    );
  return { webhooks, call };
}

describe('POST /hooks/companyenrich/{submissionId}/{token}', () => {
  it.each<WebhookOutcome>(['checked', 'recently_checked', 'already_final'])(
    'answers 202 {accepted: true} when the hint was %s',
    async (outcome) => {
      const { webhooks, call } = harness(() => outcome);
      const response = await call();
      expect(response).toEqual({
        status: 202,
        headers: { 'content-type': 'application/json' },
        body: { accepted: true },
      });
      expect(webhooks.hints.map(({ jobId, token }) => ({ jobId, token }))).toEqual([
        { jobId: JOB_ID, token: TOKEN },
      ]);
    },
  );

  it('ignores the body entirely: garbage, binary or none at all is the same hint', async () => {
    const { webhooks, call } = harness(() => 'checked');
    for (const body of ['{not json', Buffer.from([0xff, 0xfe, 0x00]), undefined, '']) {
      expect((await call({ body, headers: {} })).status).toBe(202);
    }
    expect(webhooks.hints).toHaveLength(4);
  });

  it('answers a bad token, an unknown job and a malformed path with one identical 404', async () => {
    const { webhooks, call } = harness((jobId, token) =>
      token === TOKEN && jobId === JOB_ID ? 'checked' : 'not_found',
    );
    const other = '11111111-2222-4333-8444-555555555555';
    const answers = [
      await call({ path: `/hooks/companyenrich/${JOB_ID}/${TOKEN.replace('X', 'Y')}` }),
      await call({ path: `/hooks/companyenrich/${other}/${TOKEN}` }),
      await call({ path: `/hooks/companyenrich/not-a-uuid/${TOKEN}` }),
      await call({ path: `/hooks/companyenrich/${JOB_ID}/%3Cscript%3E` }),
    ];
    const strip = (body: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(body).filter(([name]) => name !== 'request_id'));
    for (const answer of answers) {
      expect(answer.status).toBe(404);
      expect(answer.headers['content-type']).toBe('application/problem+json');
      expect(strip(answer.body as Record<string, unknown>)).toEqual({
        type: 'tag:enrich-job-watch,2026:problem:not-found',
        title: 'Not found',
        status: 404,
        detail: 'There is no webhook at this address',
        instance: '/hooks/companyenrich',
      });
      expect(JSON.stringify(answer.body)).not.toContain(TOKEN.slice(5, 20));
    }
    // The malformed ones never reached the application.
    expect(webhooks.hints).toHaveLength(2);
  });

  it('answers 404 too when the application throws JobNotTrackedError', async () => {
    const { call } = harness((jobId) => new JobNotTrackedError(jobId));
    expect((await call()).status).toBe(404);
  });

  it('refuses a body over 64 KiB with 413 before asking the application anything', async () => {
    const { webhooks, call } = harness(() => 'checked');
    const response = await call({ body: 'x'.repeat(64 * 1024 + 1) });
    expect(response.status).toBe(413);
    expect((await call({ body: Buffer.alloc(64 * 1024 + 3) })).status).toBe(413);
    expect((await call({ body: 'x'.repeat(64 * 1024) })).status).toBe(202);
    expect(webhooks.hints).toHaveLength(1);
  });

  it('ties the status check to the Lambda deadline', async () => {
    const { webhooks, call } = harness(() => 'checked');
    await call({}, 10_000);
    await call({}, 520);
    const [roomy, tight] = webhooks.hints;
    expect(roomy?.signal.aborted).toBe(false);
    await new Promise((resolve) => tight?.signal.addEventListener('abort', resolve));
    expect(tight?.signal.aborted).toBe(true);
  });

  it('answers another method with 405, and a fault of its own with a generic 500', async () => {
    const { call } = harness(() => new Error('DynamoDB is on fire'));
    const get = await call({ method: 'GET' });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    const fault = await call();
    expect(fault.status).toBe(500);
    expect(JSON.stringify(fault.body)).not.toContain('fire');
  });
});

describe('the outcome field (what the saved HTTP outcomes query counts)', () => {
  it('is logged once per request: the hint outcome, or rejected for a 404', async () => {
    const answers: (WebhookOutcome | Error)[] = ['checked', 'recently_checked', 'already_final', 'not_found'];
    const { webhooks, call } = harness(
      () => answers.shift() ?? new Error('no more answers'),
      new Logger({ serviceName: 'enrich-job-watch-test', logLevel: 'INFO' }),
    );
    const { json } = await captureOutput(async () => {
      for (let index = 0; index < 4; index += 1) await call();
      await call({ path: `/hooks/companyenrich/not-a-job-id/${TOKEN}` });
    });
    expect(webhooks.hints).toHaveLength(4);
    const outcomes = logLines(json)
      .filter((line) => 'outcome' in line)
      .map((line) => [line.message, line.outcome]);
    expect(outcomes).toEqual([
      ['Request served', 'checked'],
      ['Request served', 'recently_checked'],
      ['Request served', 'already_final'],
      ['Request served', 'rejected'],
      ['Request served', 'rejected'],
    ]);
  });
});
