/**
 * The local run's webhook route, `POST /hooks/companyenrich/{jobId}/{token}`, on a loopback HTTP
 * server: what API Gateway and the webhook function are in AWS. The call is only a hint, handed to
 * the same `WebhookApplication`; its body is never read beyond a size limit and never trusted.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookApplication, WebhookOutcome } from '../functions/core/application.js';
import type { Log } from '../functions/core/ports.js';

const ROUTE = /^\/hooks\/companyenrich\/([^/]+)\/([^/]+)$/;
/** Enough for any status document; a larger body is refused unread. */
const MAX_BODY_BYTES = 64 * 1024;
/** A hint that takes longer than this is abandoned; the poll tick remains the safety net. */
const HINT_TIMEOUT_MS = 30_000;

const STATUS_BY_OUTCOME: Record<WebhookOutcome, number> = {
  not_found: 404,
  recently_checked: 202,
  checked: 200,
  already_final: 200,
};

function answer(response: ServerResponse, status: number, body: Record<string, unknown>): void {
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  response.writeHead(status, { 'content-type': type }).end(JSON.stringify(body));
}

/** The decoded path segment, or null for a malformed escape. */
function decodeSegment(segment: string | undefined): string | null {
  try {
    return decodeURIComponent(segment ?? '');
  } catch {
    return null;
  }
}

/** Drains the body (bounded); false when it is over the limit. */
function drainBody(request: IncomingMessage): Promise<boolean> {
  return new Promise((resolve) => {
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
    });
    request.on('end', () => {
      resolve(size <= MAX_BODY_BYTES);
    });
    request.on('error', () => {
      resolve(false);
    });
  });
}

/** The webhook route of the local run. */
export class LocalWebhookServer {
  private readonly server: Server;

  /** `onHint` is told each hint's outcome (the local run prints it). */
  constructor(
    private readonly webhooks: WebhookApplication,
    private readonly log: Log,
    private readonly onHint: (jobId: string, outcome: WebhookOutcome) => void,
  ) {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        this.log.error('Webhook call failed', { error });
        if (!response.headersSent) answer(response, 500, { title: 'Internal Server Error', status: 500 });
      });
    });
  }

  /** Listens on a free loopback port; resolves the base URL the webhook URLs start with. */
  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const match = ROUTE.exec((request.url ?? '/').split('?')[0] ?? '/');
    const jobId = decodeSegment(match?.[1]);
    const token = decodeSegment(match?.[2]);
    const withinLimit = await drainBody(request);
    // Whatever is wrong with the path, the same 404: nothing about jobs or tokens is revealed.
    if (request.method !== 'POST' || !match || jobId === null || token === null) {
      answer(response, 404, { title: 'Not Found', status: 404 });
      return;
    }
    if (!withinLimit) {
      answer(response, 413, { title: 'Content Too Large', status: 413 });
      return;
    }
    const outcome = await this.webhooks.hint(jobId, token, { signal: AbortSignal.timeout(HINT_TIMEOUT_MS) });
    this.onHint(jobId, outcome);
    const status = STATUS_BY_OUTCOME[outcome];
    answer(response, status, status === 404 ? { title: 'Not Found', status } : { outcome });
  }
}
