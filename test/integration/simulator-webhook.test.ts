/**
 * The simulator's completion callback: one POST of the final status document to the job's
 * `webhook_url`, shortly after the job ends; failures recorded, never retried.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompanyEnrichSimulator, type WebhookDelivery } from '../../local/simulator/index.js';
import { WEBHOOK_DELAY_MS } from '../../local/simulator/webhooks.js';

const API_KEY = 'ce_test_webhook-key';

/** A loopback receiver that records each call and answers `answer`. */
class Receiver {
  readonly calls: { path: string; contentType: string | undefined; body: unknown }[] = [];
  answer = 204;
  private readonly server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      this.calls.push({
        path: request.url ?? '',
        contentType: request.headers['content-type'],
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      response.writeHead(this.answer).end();
    });
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}

let receiver: Receiver;
let nowMs: number;
let simulator: CompanyEnrichSimulator;
let apiUrl: string;
let observed: WebhookDelivery[];

async function createJob(body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${apiUrl}/companies/enrich/bulk`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { job_id: string }).job_id;
}

beforeEach(async () => {
  receiver = new Receiver();
  await receiver.start();
  observed = [];
});

afterEach(async () => {
  await simulator.stop();
  await receiver.stop();
});

describe('with a fake clock (callbacks sent when due, on request)', () => {
  beforeEach(async () => {
    nowMs = Date.parse('2026-02-17T00:00:00.000Z');
    simulator = new CompanyEnrichSimulator({
      apiKey: API_KEY,
      clock: () => new Date(nowMs),
      durationScale: 0.001,
      onWebhook: (delivery) => observed.push(delivery),
    });
    apiUrl = (await simulator.start()).url;
  });

  it('posts the final status document once, shortly after the job ends, and never again', async () => {
    const jobId = await createJob({ domains: ['a.com', 'b.com'], webhook_url: `${receiver.url}/hook/1` });
    // Nothing while the job runs.
    expect(simulator.documentFor(jobId).status).toBe('pending');
    expect(await simulator.deliverDueWebhooks()).toEqual([]);
    nowMs += 60_000;
    const sent = await simulator.deliverDueWebhooks();

    expect(sent).toEqual([expect.objectContaining({ jobId, status: 204, error: null })]);
    expect(receiver.calls).toEqual([
      {
        path: '/hook/1',
        contentType: 'application/json',
        body: simulator.documentFor(jobId),
      },
    ]);
    expect(['completed', 'failed']).toContain((receiver.calls[0]?.body as { status: string }).status);
    expect(observed).toEqual(sent);

    nowMs += 3_600_000;
    expect(await simulator.deliverDueWebhooks()).toEqual([]);
    expect(receiver.calls).toHaveLength(1);
  });

  it('records a refused or failing callback and does not retry it', async () => {
    receiver.answer = 500;
    const answered500 = await createJob({ domains: ['a.com'], webhook_url: `${receiver.url}/hook/2` });
    const unreachable = await createJob({ domains: ['b.com'], webhook_url: 'http://127.0.0.1:9/hook/3' });
    nowMs += 3_600_000;
    const sent = await simulator.deliverDueWebhooks();

    expect(sent).toHaveLength(2);
    expect(sent.find((delivery) => delivery.jobId === answered500)).toMatchObject({
      status: 500,
      error: 'answered HTTP 500',
    });
    expect(sent.find((delivery) => delivery.jobId === unreachable)).toMatchObject({
      status: null,
      error: expect.stringMatching(/\S/) as string,
    });
    expect(simulator.webhookDeliveries).toHaveLength(2);
    nowMs += 3_600_000;
    expect(await simulator.deliverDueWebhooks()).toEqual([]);
    expect(receiver.calls).toHaveLength(1);
  });

  it('calls nothing for a job created without a webhook_url, or one forgotten before it ended', async () => {
    await createJob({ domains: ['a.com'] });
    await createJob({ domains: ['b.com'], webhook_url: null });
    const forgotten = await createJob({ domains: ['c.com'], webhook_url: `${receiver.url}/hook/4` });
    simulator.forgetJob(forgotten);
    nowMs += 3_600_000;
    expect(await simulator.deliverDueWebhooks()).toEqual([]);
    expect(receiver.calls).toEqual([]);
  });
});

describe('with the wall clock (the local run)', () => {
  it('calls the webhook on its own, once, after the job has ended', async () => {
    let delivered: (delivery: WebhookDelivery) => void = () => undefined;
    const deliveredOnce = new Promise<WebhookDelivery>((resolve) => (delivered = resolve));
    simulator = new CompanyEnrichSimulator({ apiKey: API_KEY, durationScale: 0.001, onWebhook: delivered });
    apiUrl = (await simulator.start()).url;
    const jobId = await createJob({ domains: ['a.com'], webhook_url: `${receiver.url}/hook/5` });

    const delivery = await deliveredOnce;
    expect(delivery).toMatchObject({ jobId, status: 204, error: null });
    expect(receiver.calls).toHaveLength(1);
    const body = receiver.calls[0]?.body as { job_id: string; status: string; completed_at: string };
    expect(body.job_id).toBe(jobId);
    expect(['completed', 'failed']).toContain(body.status);
    // A millisecond of slack: timers run on the monotonic clock, the simulator on Date.now().
    expect(delivery.at.getTime()).toBeGreaterThanOrEqual(
      Date.parse(body.completed_at) + WEBHOOK_DELAY_MS - 1,
    );
  });
});
