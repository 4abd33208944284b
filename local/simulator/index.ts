/**
 * A CompanyEnrich API simulator: a real `node:http` server on loopback that serves the bulk enrichment
 * endpoints from scripted job plans, so the local run and the integration tests never touch the network.
 *
 * Job status is a pure function of `clock() - createdAt` and the plan's phase durations, so tests drive
 * it with a fake clock and the local run with wall-clock time. Faults are queued per job.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUuid, seededRandom } from '../random.js';
import {
  documentAt,
  MAX_DOMAINS_PER_JOB,
  planRandomJob,
  resolvePlan,
  staleDocument,
  UUID_PATTERN,
  type BulkJobStatusDocument,
  type PersistedJobPlan,
  type ResolvedJobPlan,
  type SimulatedJobPlan,
} from './plan.js';
import {
  jsonReply,
  parseCreateRequest,
  pathOf,
  problemBody,
  readBody,
  PROBLEM_CONTENT_TYPE,
  JSON_CONTENT_TYPE,
  type Reply,
  type Reset,
} from './http.js';

export { planRandomJob, DEFAULT_FAILURE_MESSAGE, DEFAULT_SUCCESS_RATIO, UUID_PATTERN } from './plan.js';
export type {
  BulkJobStatus,
  BulkJobStatusDocument,
  PersistedJobPlan,
  RandomJobOptions,
  SimulatedJobPlan,
} from './plan.js';

/** A misbehaviour served instead of (or, for `delay`, before) the normal answer to a status request. */
export type SimulatorFault =
  | { kind: 'http'; status: number; headers?: Record<string, string>; body?: unknown }
  | { kind: 'garbage' }
  | { kind: 'wrong-shape' }
  | { kind: 'mismatched-id' }
  | { kind: 'unknown-status'; status: string }
  | { kind: 'stale'; status: string }
  | { kind: 'delay'; ms: number }
  | { kind: 'reset' };

/** One logged request. `status` is 0 when no answer reached the client (a `reset` fault, or stop()). */
export interface SimulatorRequest {
  method: string;
  /** Without the query string. */
  path: string;
  jobId?: string;
  status: number;
  /** Simulator clock when the request arrived. */
  at: Date;
}

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
}

const BULK_PATH = '/companies/enrich/bulk';
const STATUS_PATH = /^\/companies\/enrich\/bulk\/([^/]+)$/;
const MAX_BODY_BYTES = 2 * 1024 * 1024;
/** Bounds memory in long local runs; far above what any test issues. */
const REQUEST_LOG_LIMIT = 10_000;
const ACCOUNT_CREDITS = 100_000;
const REQUESTS_PER_MINUTE = 300;

interface QueuedFault {
  fault: SimulatorFault;
  remaining: number;
}

/**
 * Simulates CompanyEnrich's `GET /companies/enrich/bulk/{jobId}`, `POST /companies/enrich/bulk` and
 * `GET /me` over real HTTP. Never writes to stdout; never echoes the API key.
 */
export class CompanyEnrichSimulator {
  private readonly jobs = new Map<string, ResolvedJobPlan>();
  private readonly faults = new Map<string, QueuedFault[]>();
  private readonly requestLog: SimulatorRequest[] = [];
  /** Resolvers of in-progress `delay` faults, released by stop() so no timer outlives the server. */
  private readonly pendingDelays = new Set<() => void>();
  private readonly clock: () => Date;
  private readonly random: () => number;
  private readonly userId: string;
  private apiKey: string;
  private accountState: AccountState = 'ok';
  private server: Server | undefined;
  private traceCounter = 0;

  constructor(private readonly options: SimulatorOptions) {
    this.apiKey = requireKey(options.apiKey);
    this.clock = options.clock ?? (() => new Date());
    this.random = seededRandom(options.seed ?? 1);
    this.userId = randomUuid(this.random);
  }

  /** Every request so far (oldest first, at most the latest 10,000). */
  get requests(): readonly SimulatorRequest[] {
    return this.requestLog;
  }

  /** Listens on `host` (default 127.0.0.1) and `port` (default 0: any free port). */
  async start(options: { port?: number; host?: string } = {}): Promise<{ url: string }> {
    if (this.server) throw new Error('The simulator is already started.');
    const { port = 0, host = '127.0.0.1' } = options;
    const server = createServer((request, response) => {
      // Last line of defence: whatever goes wrong, the process must not crash on a request.
      this.handle(request, response).catch(() => request.socket.destroy());
    });
    this.server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      this.server = undefined;
      throw error;
    }
    const { port: boundPort } = server.address() as AddressInfo;
    return { url: `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}` };
  }

  /** Closes the server and every socket, idle keep-alive and in-flight alike, so it resolves promptly. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const release of this.pendingDelays) release();
    this.pendingDelays.clear();
    await new Promise<void>((resolve, reject) => {
      server.close((error) => {
        if (error) reject(error);
        else resolve();
      });
      server.closeAllConnections();
    });
  }

  /** Registers a job and returns its id (lower-case). Throws on an invalid plan or a duplicate id. */
  createJob(plan: SimulatedJobPlan): string {
    const resolved = resolvePlan(plan, { jobId: () => randomUuid(this.random), now: this.clock() });
    if (this.jobs.has(resolved.jobId)) throw new Error(`Job ${resolved.jobId} already exists.`);
    this.jobs.set(resolved.jobId, resolved);
    return resolved.jobId;
  }

  /**
   * Serves `fault` on the next `times` status requests for the job (Infinity allowed), after any faults
   * queued before it; normal answers resume once the queue is empty.
   */
  injectFault(jobId: string, fault: SimulatorFault, times = 1): void {
    const id = this.requireJob(jobId).jobId;
    if (!(times === Infinity || (Number.isInteger(times) && times > 0))) {
      throw new RangeError('times must be a positive integer or Infinity.');
    }
    if (
      fault.kind === 'http' &&
      !(Number.isInteger(fault.status) && fault.status >= 100 && fault.status < 600)
    ) {
      throw new RangeError('An http fault needs a status in 100..599.');
    }
    if (fault.kind === 'delay' && !(Number.isFinite(fault.ms) && fault.ms >= 0)) {
      throw new RangeError('A delay fault needs a finite ms >= 0.');
    }
    const queue = this.faults.get(id) ?? [];
    queue.push({ fault, remaining: times });
    this.faults.set(id, queue);
  }

  /** Removes the job and its queued faults; its status requests answer 404 afterwards. */
  forgetJob(jobId: string): void {
    this.jobs.delete(jobId.toLowerCase());
    this.faults.delete(jobId.toLowerCase());
  }

  /** Makes every authenticated endpoint answer 401 (`unauthorized`) or 402 (`payment_required`). */
  setAccountState(state: AccountState): void {
    this.accountState = state;
  }

  /** Rotates the key: the old one is rejected from now on. */
  setApiKey(key: string): void {
    this.apiKey = requireKey(key);
  }

  requestsFor(jobId: string): SimulatorRequest[] {
    const id = jobId.toLowerCase();
    return this.requestLog.filter((request) => request.jobId === id);
  }

  /** What a normal 200 for the job would contain now, by the simulator clock. */
  documentFor(jobId: string): BulkJobStatusDocument {
    return documentAt(this.requireJob(jobId), this.clock().getTime());
  }

  /** Every job's full plan, JSON-serialisable: `createdAt` is an ISO-8601 string (see {@link PersistedJobPlan}). */
  exportJobs(): PersistedJobPlan[] {
    return [...this.jobs.values()].map((plan) => ({ ...plan, createdAt: plan.createdAt.toISOString() }));
  }

  /**
   * Adds (or replaces, by id) jobs saved by {@link exportJobs}. All plans are validated before any is
   * stored, so a corrupted file changes nothing and throws.
   */
  importJobs(plans: readonly PersistedJobPlan[]): void {
    const missingId = (): string => {
      throw new RangeError('An imported plan needs its jobId.');
    };
    const now = this.clock();
    const resolved = plans.map((plan) =>
      resolvePlan({ ...plan, createdAt: new Date(plan.createdAt) }, { jobId: missingId, now }),
    );
    for (const plan of resolved) this.jobs.set(plan.jobId, plan);
  }

  private requireJob(jobId: string): ResolvedJobPlan {
    const plan = this.jobs.get(jobId.toLowerCase());
    if (!plan) throw new Error(`Unknown simulated job ${jobId}.`);
    return plan;
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
      this.record({ method, path, ...jobId, status: 0, at });
      request.socket.destroy();
      return;
    }
    // The client may have given up (or stop() ran) while a delay fault held the answer.
    const delivered = !request.socket.destroyed;
    this.record({ method, path, ...jobId, status: delivered ? outcome.status : 0, at });
    if (delivered) response.writeHead(outcome.status, outcome.headers).end(outcome.body);
  }

  private async route(request: IncomingMessage, method: string, path: string): Promise<Reply | Reset> {
    const statusMatch = method === 'GET' ? STATUS_PATH.exec(path) : null;
    const isCreate = method === 'POST' && path === BULK_PATH;
    const isAccount = method === 'GET' && path === '/me';
    // The path is not echoed: a confused client might have put its key in it.
    if (!statusMatch && !isCreate && !isAccount) return this.problem(404, 'Not Found', 'No such endpoint.');
    const denied = this.authFailure(request);
    if (denied) return denied;
    if (statusMatch) return this.jobStatus(statusMatch[1] ?? '');
    if (isCreate) return this.createFromRequest(request);
    const credits = { used: this.creditsUsed(), total: ACCOUNT_CREDITS };
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
    const fault = plan && this.takeFault(jobId);
    if (plan && fault) {
      if (fault.kind === 'delay') await this.sleep(fault.ms);
      else return { ...this.faultReply(plan, fault), jobId };
    }
    // Looked up again: the job may have been forgotten during a delay.
    const current = this.jobs.get(jobId);
    if (!current) return { ...this.problem(404, 'Not Found', 'No bulk enrichment job with this id.'), jobId };
    return { ...this.authenticatedJson(documentAt(current, this.clock().getTime())), jobId };
  }

  private takeFault(jobId: string): SimulatorFault | undefined {
    const queue = this.faults.get(jobId);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head.fault;
  }

  private faultReply(
    plan: ResolvedJobPlan,
    fault: Exclude<SimulatorFault, { kind: 'delay' }>,
  ): Reply | Reset {
    const document = documentAt(plan, this.clock().getTime());
    switch (fault.kind) {
      case 'http': {
        const reply = this.problem(fault.status, 'Simulated failure', 'Injected by the simulator.');
        if (fault.status < 400) reply.headers['content-type'] = JSON_CONTENT_TYPE;
        if (fault.body !== undefined) {
          reply.body = typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body);
        } else if (fault.status < 400) reply.body = '';
        Object.assign(reply.headers, lowerCaseKeys(fault.headers ?? {}));
        return reply;
      }
      case 'garbage': {
        // A truncated document, as a proxy cutting the connection short would deliver.
        const json = JSON.stringify(document);
        return {
          status: 200,
          headers: { 'content-type': JSON_CONTENT_TYPE },
          body: json.slice(0, Math.floor(json.length / 2)),
        };
      }
      case 'wrong-shape': // as if a new API version renamed and nested the fields
        return jsonReply(200, { data: { jobId: document.job_id, state: document.status }, meta: {} });
      case 'mismatched-id':
        return jsonReply(200, { ...document, job_id: randomUuid(this.random) });
      case 'unknown-status':
        return jsonReply(200, { ...document, status: fault.status });
      case 'stale':
        return jsonReply(200, staleDocument(plan, fault.status));
      case 'reset':
        return { reset: true };
    }
  }

  private async createFromRequest(request: IncomingMessage): Promise<Reply> {
    const text = await readBody(request, MAX_BODY_BYTES);
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
    const accepted = { job_id: jobId, status: 'pending', total_domains: total, estimated_credits: total };
    return { ...this.authenticatedJson(accepted), jobId };
  }

  private authenticatedJson(body: unknown): Reply {
    const now = this.clock().getTime();
    let recentRequests = 0;
    for (let index = this.requestLog.length - 1; index >= 0; index--) {
      if ((this.requestLog[index]?.at.getTime() ?? 0) < now - 60_000) break;
      recentRequests += 1;
    }
    return jsonReply(200, body, {
      'x-ratelimit-remaining': String(Math.max(0, REQUESTS_PER_MINUTE - recentRequests)),
      'x-credit-remaining': String(ACCOUNT_CREDITS - this.creditsUsed()),
    });
  }

  private creditsUsed(): number {
    const now = this.clock().getTime();
    let used = 0;
    for (const plan of this.jobs.values()) used += documentAt(plan, now).credits_charged;
    return used;
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

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const release = (): void => {
        clearTimeout(timer);
        this.pendingDelays.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      this.pendingDelays.add(release);
    });
  }

  private record(entry: SimulatorRequest): void {
    this.requestLog.push(entry);
    if (this.requestLog.length > REQUEST_LOG_LIMIT) this.requestLog.shift();
    try {
      this.options.onRequest?.(entry);
    } catch {
      // An observer's bug must not turn into a failed request.
    }
  }
}

function requireKey(key: string): string {
  if (typeof key !== 'string' || key.trim() === '') throw new TypeError('The API key must be non-empty.');
  return key;
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
