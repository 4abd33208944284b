import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticApiKey } from '../../functions/core/adapters/api-key.js';
import { MAX_RESPONSE_BYTES } from '../../functions/core/adapters/companyenrich-http.js';
import { CompanyEnrichStatusApi } from '../../functions/core/adapters/companyenrich-status-api.js';
import { StatusApiError, StatusApiErrorKind } from '../../functions/core/domain/errors.js';
import { SNAPSHOT_LIMITS } from '../../functions/core/domain/limits.js';
import { JOB_ID } from '../support/builders.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** A loopback CompanyEnrich whose answer each test chooses. */
async function startApi(): Promise<{
  url: string;
  answer: (handler: Handler) => void;
  stop: () => Promise<void>;
}> {
  let handler: Handler = (_request, response) => response.end();
  const server = createServer((request, response) => {
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('No port assigned');
  return {
    url: `http://127.0.0.1:${address.port}`,
    answer: (next) => {
      handler = next;
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

function json(body: unknown): Handler {
  return (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
}

const document = { job_id: JOB_ID, status: 'completed', total_domains: 10 };

describe('status answers are bounded', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let statusApi: CompanyEnrichStatusApi;
  const never = new AbortController().signal;

  beforeAll(async () => {
    api = await startApi();
    statusApi = new CompanyEnrichStatusApi({
      baseUrl: api.url,
      apiKeys: new StaticApiKey('key'),
      timeoutMs: 5_000,
      retries: 0,
    });
  });
  afterAll(async () => {
    await api.stop();
  });

  async function failure(): Promise<StatusApiError> {
    const error: unknown = await statusApi
      .getJobStatus(JOB_ID, { signal: never })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StatusApiError);
    return error as StatusApiError;
  }

  it('cuts a chunked body with no Content-Length off at the cap, without reading the rest', async () => {
    // Far more than the cap: a reader that buffers the whole body before looking would read it all.
    const endlessEnough = 64 * MAX_RESPONSE_BYTES;
    let sentBytes = 0;
    let closedBeforeEnd = false;
    api.answer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write(`{"job_id":"${JOB_ID}","status":"completed","error_message":"`);
      const chunk = 'x'.repeat(16 * 1024);
      const timer = setInterval(() => {
        if (sentBytes >= endlessEnough) {
          clearInterval(timer);
          response.end('"}');
          return;
        }
        sentBytes += chunk.length;
        response.write(chunk);
      }, 1);
      response.on('close', () => {
        clearInterval(timer);
        closedBeforeEnd = sentBytes < endlessEnough;
      });
    });

    const error = await failure();

    expect(error.kind).toBe(StatusApiErrorKind.Malformed);
    expect(error.message).toMatch(/larger than/);
    expect(error.details.httpStatus).toBe(200);
    // The client hung up at the cap instead of reading the 16 MB that were coming.
    await expect.poll(() => closedBeforeEnd).toBe(true);
  });

  it('refuses a status, id or date longer than its maximum: a 100 kB status is never stored', async () => {
    api.answer(json({ ...document, status: 's'.repeat(100_000) }));
    const longStatus = await failure();
    expect(longStatus.kind).toBe(StatusApiErrorKind.Malformed);
    expect(longStatus.message).toContain('status');

    api.answer(json({ ...document, completed_at: '2'.repeat(SNAPSHOT_LIMITS.timestampLength + 1) }));
    expect((await failure()).message).toContain('completed_at');

    api.answer(json({ ...document, job_id: `${JOB_ID}${'0'.repeat(SNAPSHOT_LIMITS.idLength)}` }));
    expect((await failure()).message).toContain('job_id');

    api.answer(
      json({ ...document, results_url: `https://r/${'a'.repeat(SNAPSHOT_LIMITS.resultsUrlLength)}` }),
    );
    expect((await failure()).message).toContain('results_url');
  });

  it('keeps a long error message, cut at its maximum and marked as cut', async () => {
    api.answer(json({ ...document, status: 'failed', error_message: 'e'.repeat(50_000) }));
    const snapshot = await statusApi.getJobStatus(JOB_ID, { signal: never });
    expect(snapshot.status).toBe('failed');
    expect(snapshot.error_message?.length).toBeLessThanOrEqual(SNAPSHOT_LIMITS.errorMessageLength);
    expect(snapshot.error_message).toMatch(/^e+.*\[truncated: 4\d,\d{3} more characters\]$/);
  });

  it('accepts the longest values it allows', async () => {
    const longest = {
      ...document,
      status: 'p'.repeat(SNAPSHOT_LIMITS.statusLength),
      created_at: '1'.repeat(SNAPSHOT_LIMITS.timestampLength),
      results_url: 'h'.repeat(SNAPSHOT_LIMITS.resultsUrlLength),
      error_message: 'm'.repeat(SNAPSHOT_LIMITS.errorMessageLength),
    };
    api.answer(json(longest));
    expect(await statusApi.getJobStatus(JOB_ID, { signal: never })).toMatchObject(longest);
  });
});
