/**
 * The webhook fast path of the local run, end to end with real processes: `start` serves the
 * webhook route; `submit` (another process) creates a job whose `webhook_url` points at it; the
 * simulator completes the job and calls the URL; `start` checks the job and prints the
 * notification at once, though its next tick is an hour away. A forged token changes nothing.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '../../functions/core/use-cases/list-jobs.js';
import { CompanyEnrichSimulator, type WebhookDelivery } from '../../local/simulator/index.js';
import { CliProcess, runCli } from './cli-process.js';

const API_KEY = 'ce_test_fast-path-0123456789';

let root: string;
let simulator: CompanyEnrichSimulator;
let simulatorUrl: string;
let start: CliProcess | undefined;
const deliveries: WebhookDelivery[] = [];
let firstDelivery: (delivery: WebhookDelivery) => void = () => undefined;
/** Resolves when the simulator has had the answer to its first callback. */
const delivered = new Promise<WebhookDelivery>((resolve) => {
  firstDelivery = resolve;
});

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ejw-cli-fast-path-'));
  // Wall clock, jobs of a second or two: the simulator calls the webhook on its own.
  simulator = new CompanyEnrichSimulator({
    apiKey: API_KEY,
    seed: 11,
    durationScale: 0.05,
    onWebhook: (delivery) => {
      deliveries.push(delivery);
      firstDelivery(delivery);
    },
  });
  simulatorUrl = (await simulator.start()).url;
});

afterAll(async () => {
  start?.kill();
  await simulator.stop();
  await rm(root, { recursive: true, force: true });
});

function statusRequests(jobId: string): number {
  return simulator.requestsFor(jobId).filter((request) => request.method === 'GET').length;
}

describe('the local fast path', () => {
  it('submit → the simulator completes the job and calls the webhook → start notifies before any tick; a forged token changes nothing', async () => {
    const home = join(root, 'home');
    const env = {
      ENRICH_JOB_WATCH_HOME: home,
      COMPANYENRICH_API_KEY: API_KEY,
      COMPANYENRICH_API_URL: simulatorUrl,
      // One tick when start starts, the next an hour later: any notification below came from the webhook.
      POLL_INTERVAL_SECONDS: '3600',
    };
    start = new CliProcess(['start'], env);
    await start.waitForOutput(/tick: nothing due/, 20_000);
    const running = JSON.parse(await readFile(join(home, 'running.json'), 'utf8')) as {
      webhookBaseUrl: string;
    };
    expect(running.webhookBaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const file = join(root, 'domains.txt');
    await writeFile(file, 'acme.com\nbeta.io\ngamma.dev\n');
    const submitted = await runCli(['submit', file, '--label', 'Fast path'], env);
    expect(submitted.code, submitted.stderr).toBe(0);
    const jobId = /Submitted: job (\S+)/.exec(submitted.stdout)?.[1] ?? '';

    await start.waitForOutput(/NOTIFICATION job\.(completed|failed) · email[\s\S]*Fast path/, 20_000);
    expect(start.stdout.match(/tick: /g)).toHaveLength(1);
    await delivered;
    expect(deliveries).toEqual([expect.objectContaining({ jobId, status: 200, error: null })]);
    // The URL names the submission (the only id known before the job exists) and its token.
    const hookPath = new RegExp(`^${running.webhookBaseUrl}/hooks/companyenrich/([^/]+)/[^/]+$`);
    const submissionId = hookPath.exec(deliveries[0]?.url ?? '')?.[1];
    expect(submissionId).toBeDefined();
    // The hint made exactly one authoritative status check.
    expect(statusRequests(jobId)).toBe(1);
    const before = await runCli(['show', jobId, '--json'], env);
    const viewBefore = JSON.parse(before.stdout) as JobView;
    expect(viewBefore.last_notification).not.toBeNull();

    // A forged token, for this job and for an unknown one: the same 404, no check, no write.
    const forged = await fetch(
      `${running.webhookBaseUrl}/hooks/companyenrich/${submissionId ?? ''}/${'x'.repeat(43)}`,
      {
        method: 'POST',
        body: '{}',
      },
    );
    const unknown = await fetch(
      `${running.webhookBaseUrl}/hooks/companyenrich/00000000-0000-4000-8000-000000000000/forged-token`,
      { method: 'POST', body: '{}' },
    );
    expect(forged.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(await forged.text()).toBe(await unknown.text());
    expect(statusRequests(jobId)).toBe(1);
    const after = await runCli(['show', jobId, '--json'], env);
    expect(JSON.parse(after.stdout)).toEqual(viewBefore);

    const stopped = await start.interrupt(5_000);
    expect(stopped.code, start.transcript()).toBe(0);
  });
});
