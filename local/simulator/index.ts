/**
 * A CompanyEnrich API simulator: a real `node:http` server on loopback that serves the bulk enrichment
 * endpoints from scripted job plans, so the local run and the integration tests never touch the network.
 *
 * Job status is a pure function of `clock() - createdAt` and the plan's phase durations, so tests drive
 * it with a fake clock and the local run with wall-clock time. Faults are queued per job.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUuid, seededRandom } from '../random.js';
import { createFaultReply, CreateFaultQueue, type CreateFault } from './create-faults.js';
import {
  assertValidStatusFault,
  faultReply,
  FaultQueues,
  statusFaultReply,
  type SimulatorFault,
  type StatusFault,
} from './faults.js';
import {
  jsonReply,
  parseCreateRequest,
  pathOf,
  problemBody,
  readBody,
  PROBLEM_CONTENT_TYPE,
  type Reply,
  type Reset,
} from './http.js';
import { SimulatedJobs } from './jobs.js';
import {
  documentAt,
  MAX_DOMAINS_PER_JOB,
  planRandomJob,
  UUID_PATTERN,
  type BulkJobStatusDocument,
  type PersistedJobPlan,
  type SimulatedJobPlan,
} from './plan.js';
import { RequestLog, type SimulatorRequest } from './request-log.js';
import { LoopbackServer } from './server.js';
import { WebhookCallbacks, type WebhookDelivery } from './webhooks.js';

export { planRandomJob, DEFAULT_FAILURE_MESSAGE, DEFAULT_SUCCESS_RATIO, UUID_PATTERN } from './plan.js';
export type {
  BulkJobStatus,
  BulkJobStatusDocument,
  PersistedJobPlan,
  RandomJobOptions,
  SimulatedJobPlan,
} from './plan.js';
export type { SimulatorFault, StatusFault } from './faults.js';
export type { CreateFault } from './create-faults.js';
export type { SimulatorRequest } from './request-log.js';
export type { WebhookDelivery } from './webhooks.js';

export type AccountState = 'ok' | 'unauthorized' | 'payment_required';

export interface SimulatorOptions {
  apiKey: string;
  /** Defaults to wall-clock time. */
  clock?: () => Date;
  /** Seeds generated job ids and random plans; defaults to 1 so runs are reproducible. */
  seed?: number;
  /** Duration scale for jobs created through `POST /companies/enrich/bulk`; see `planRandomJob`. */
  durationScale?: number;
  /** Called after each request is logged, e.g. for the local run to print it. Exceptions are ignored. */
  onRequest?: (request: SimulatorRequest) => void;
  /** Called after each completion callback to a job's `webhook_url`, e.g. to log a failed one. */
  onWebhook?: (delivery: WebhookDelivery) => void;
}

const BULK_PATH = '/companies/enrich/bulk';
const STATUS_PATH = /^\/companies\/enrich\/bulk\/([^/]+)$/;
const MAX_BODY_BYTES = 2 * 1024 * 1024;
const ACCOUNT_CREDITS = 100_000;
const REQUESTS_PER_MINUTE = 300;

/**
 * Simulates CompanyEnrich's `GET /companies/enrich/bulk/{jobId}`, `POST /companies/enrich/bulk` and
 * `GET /me` over real HTTP, and calls a created job's `webhook_url` once when it ends (see
 * `webhooks.ts`). Never writes to stdout; never echoes the API key.
 */
export class CompanyEnrichSimulator {
  private readonly jobs = new SimulatedJobs();
  private readonly faults = new FaultQueues();
  private readonly createFaults = new CreateFaultQueue();
  private readonly log: RequestLog;
  private readonly server = new LoopbackServer((request, response) => this.handle(request, response));
  private readonly webhooks: WebhookCallbacks;
  private readonly clock: () => Date;
  private readonly random: () => number;
  private readonly userId: string;
  private apiKey: string;
  private accountState: AccountState = 'ok';
  private statusFault: StatusFault | null = null;
  private traceCounter = 0;

  constructor(private readonly options: SimulatorOptions) {
    this.apiKey = requireKey(options.apiKey);
    this.clock = options.clock ?? (() => new Date());
    this.random = seededRandom(options.seed ?? 1);
    this.userId = randomUuid(this.random);
    this.log = new RequestLog(options.onRequest);
    this.webhooks = new WebhookCallbacks({
      clock: this.clock,
      plan: (jobId) => this.jobs.get(jobId),
      document: documentAt,
      ...(options.onWebhook ? { onDelivery: options.onWebhook } : {}),
      // A test's fake clock does not move with timers: it calls deliverDueWebhooks() instead.
      timers: options.clock === undefined,
    });
  }

  /** Every completion callback attempted so far, oldest first. */
  get webhookDeliveries(): readonly WebhookDelivery[] {
    return this.webhooks.deliveries;
  }

  /** Sends the completion callbacks that are due by the simulator clock (for fake clocks). */
  deliverDueWebhooks(): Promise<WebhookDelivery[]> {
    return this.webhooks.deliverDue();
  }

  /** Every request so far (oldest first, at most the latest 10,000). */
  get requests(): readonly SimulatorRequest[] {
    return this.log.all;
  }

  /** Listens on `host` (default 127.0.0.1) and `port` (default 0: any free port). */
  start(options: { port?: number; host?: string } = {}): Promise<{ url: string }> {
    return this.server.start(options);
  }

  /** Closes the server and every socket, idle keep-alive and in-flight alike, so it resolves promptly. */
  stop(): Promise<void> {
    this.webhooks.stop();
    return this.server.stop();
  }

  /** Registers a job and returns its id (lower-case). Throws on an invalid plan or a duplicate id. */
  createJob(plan: SimulatedJobPlan): string {
    return this.jobs.create(plan, () => randomUuid(this.random), this.clock());
  }

  /**
   * Serves `fault` on the next `times` status requests for the job (Infinity allowed), after any faults
   * queued before it; normal answers resume once the queue is empty.
   */
  injectFault(jobId: string, fault: SimulatorFault, times = 1): void {
    this.faults.inject(this.jobs.require(jobId).jobId, fault, times);
  }

  /** Serves `fault` on the next `times` create requests instead of creating a job (`delay`: before it). */
  injectCreateFault(fault: CreateFault, times = 1): void {
    this.createFaults.inject(fault, times);
  }

  /** Removes the job and its queued faults; its status requests answer 404 afterwards. */
  forgetJob(jobId: string): void {
    this.jobs.forget(jobId);
    this.faults.forget(jobId.toLowerCase());
    this.webhooks.forget(jobId.toLowerCase());
  }

  /** Makes every authenticated endpoint answer 401 (`unauthorized`) or 402 (`payment_required`). */
  setAccountState(state: AccountState): void {
    this.accountState = state;
  }

  /**
   * Serves `fault` to every status request from now on, before the key is even looked at (as a
   * gateway, a WAF or a wrong base path would), and ahead of any per-job fault; null ends it.
   */
  setStatusFault(fault: StatusFault | null): void {
    if (fault) assertValidStatusFault(fault);
    this.statusFault = fault;
  }

  /** Rotates the key: the old one is rejected from now on. */
  setApiKey(key: string): void {
    this.apiKey = requireKey(key);
  }

  requestsFor(jobId: string): SimulatorRequest[] {
    return this.log.forJob(jobId.toLowerCase());
  }

  /** What a normal 200 for the job would contain now, by the simulator clock. */
  documentFor(jobId: string): BulkJobStatusDocument {
    return documentAt(this.jobs.require(jobId), this.clock().getTime());
  }

  /** Every job's full plan, JSON-serialisable: `createdAt` is an ISO-8601 string (see {@link PersistedJobPlan}). */
  exportJobs(): PersistedJobPlan[] {
    return this.jobs.export();
  }

  /**
   * Adds (or replaces, by id) jobs saved by {@link exportJobs}. All plans are validated before any is
   * stored, so a corrupted file changes nothing and throws.
   */
  importJobs(plans: readonly PersistedJobPlan[]): void {
    this.jobs.import(plans, this.clock());
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const at = this.clock();
    const method = request.method ?? 'GET';
    const path = pathOf(request.url);
    let outcome: Reply | Reset;
    try {
      outcome = await this.route(request, method, path);
    } catch {
      outcome = this.problem(500, 'Internal Server Error', 'An unexpected error occurred.');
    }
    const jobId = outcome.jobId === undefined ? {} : { jobId: outcome.jobId };
    if ('reset' in outcome) {
      this.log.record({ method, path, ...jobId, status: 0, at });
      request.socket.destroy();
      return;
    }
    // The client may have given up (or stop() ran) while a delay fault held the answer.
    const delivered = !request.socket.destroyed;
    this.log.record({ method, path, ...jobId, status: delivered ? outcome.status : 0, at });
    if (delivered) response.writeHead(outcome.status, outcome.headers).end(outcome.body);
  }

  private async route(request: IncomingMessage, method: string, path: string): Promise<Reply | Reset> {
    const statusMatch = method === 'GET' ? STATUS_PATH.exec(path) : null;
    const isCreate = method === 'POST' && path === BULK_PATH;
    const isAccount = method === 'GET' && path === '/me';
    // The path is not echoed: a confused client might have put its key in it.
    if (!statusMatch && !isCreate && !isAccount) return this.problem(404, 'Not Found', 'No such endpoint.');
    if (statusMatch && this.statusFault) {
      const reply = statusFaultReply(this.statusFault, (status, title, detail) =>
        this.problem(status, title, detail),
      );
      return { ...reply, jobId: (statusMatch[1] ?? '').toLowerCase() };
    }
    const denied = this.authFailure(request);
    if (denied) return denied;
    if (statusMatch) return this.jobStatus(statusMatch[1] ?? '');
    if (isCreate) return this.createFromRequest(request);
    const credits = { used: this.jobs.creditsUsed(this.clock().getTime()), total: ACCOUNT_CREDITS };
    return this.authenticatedJson({ userId: this.userId, credits, capabilities: [] });
  }

  private authFailure(request: IncomingMessage): Reply | undefined {
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    const challenge = { 'www-authenticate': 'Bearer' };
    if (presented !== this.apiKey) {
      return this.problem(401, 'Unauthorized', 'Send Authorization: Bearer <API_KEY>.', challenge);
    }
    if (this.accountState === 'unauthorized') {
      return this.problem(401, 'Unauthorized', 'This API key has been revoked.', challenge);
    }
    if (this.accountState === 'payment_required') {
      return this.problem(402, 'Payment Required', 'The account has run out of credits.');
    }
    return undefined;
  }

  private async jobStatus(rawJobId: string): Promise<Reply | Reset> {
    if (!UUID_PATTERN.test(rawJobId)) {
      return { ...this.problem(400, 'Bad Request', 'The jobId must be a uuid.'), jobId: rawJobId };
    }
    const jobId = rawJobId.toLowerCase();
    const plan = this.jobs.get(jobId);
    const fault = plan && this.faults.take(jobId);
    if (plan && fault) {
      if (fault.kind === 'delay') await this.server.sleep(fault.ms);
      else {
        const document = documentAt(plan, this.clock().getTime());
        const reply = faultReply(fault, {
          plan,
          document,
          problem: (status, title, detail) => this.problem(status, title, detail),
          newJobId: () => randomUuid(this.random),
        });
        return { ...reply, jobId };
      }
    }
    // Looked up again: the job may have been forgotten during a delay.
    const current = this.jobs.get(jobId);
    if (!current) return { ...this.problem(404, 'Not Found', 'No bulk enrichment job with this id.'), jobId };
    return { ...this.authenticatedJson(documentAt(current, this.clock().getTime())), jobId };
  }

  private async createFromRequest(request: IncomingMessage): Promise<Reply | Reset> {
    const text = await readBody(request, MAX_BODY_BYTES);
    const fault = this.createFaults.take();
    if (fault?.kind === 'delay') await this.server.sleep(fault.ms);
    else if (fault)
      return createFaultReply(fault, (status, title, detail) => this.problem(status, title, detail));
    if (text === undefined) return this.problem(413, 'Payload Too Large', 'The request body is too large.');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return this.problem(400, 'Bad Request', 'The request body is not valid JSON.');
    }
    const parsed = parseCreateRequest(body, MAX_DOMAINS_PER_JOB);
    if ('errors' in parsed) {
      const { errors } = parsed;
      return this.problem(422, 'Unprocessable Entity', 'Validation failed.', {}, { errors });
    }
    const total = parsed.domains.length;
    const durationScale = this.options.durationScale ?? 1;
    const jobId = this.createJob(planRandomJob(this.random, { totalDomains: total }, { durationScale }));
    if (parsed.webhookUrl !== null) this.webhooks.register(this.jobs.require(jobId), parsed.webhookUrl);
    const accepted = { job_id: jobId, status: 'pending', total_domains: total, estimated_credits: total };
    return { ...this.authenticatedJson(accepted), jobId };
  }

  /** A 200 with the rate-limit and credit headers the real API sends on every authenticated answer. */
  private authenticatedJson(body: unknown): Reply {
    const now = this.clock().getTime();
    const recentRequests = this.log.countSince(now - 60_000, REQUESTS_PER_MINUTE);
    return jsonReply(200, body, {
      'x-ratelimit-remaining': String(Math.max(0, REQUESTS_PER_MINUTE - recentRequests)),
      'x-credit-remaining': String(ACCOUNT_CREDITS - this.jobs.creditsUsed(now)),
    });
  }

  private problem(status: number, title: string, detail: string, headers = {}, extra = {}): Reply {
    return {
      status,
      headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers },
      body: problemBody(status, title, detail, this.nextTraceId(), extra),
    };
  }

  /** W3C traceparent-shaped and deterministic, like the ASP.NET `traceId` the real API returns. */
  private nextTraceId(): string {
    this.traceCounter += 1;
    return `00-${this.traceCounter.toString(16).padStart(32, '0')}-${'0'.repeat(15)}1-00`;
  }
}

function requireKey(key: string): string {
  if (typeof key !== 'string' || key.trim() === '') throw new TypeError('The API key must be non-empty.');
  return key;
}
