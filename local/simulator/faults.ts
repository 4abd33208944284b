/**
 * Fault injection: the per-job queues of misbehaviours and how each one is served. The simulator
 * consults the queue before answering a status request; an empty queue means a normal answer.
 */
import { JSON_CONTENT_TYPE, jsonReply, type Reply, type Reset } from './http.js';
import { staleDocument, type BulkJobStatusDocument, type ResolvedJobPlan } from './plan.js';

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

/**
 * A fault served to every status request, whatever the job, while it is set: a gateway outage,
 * a WAF block, a wrong base path (every job 404), an API that answers 400 to everything.
 */
export type StatusFault = Extract<SimulatorFault, { kind: 'http' }> | { kind: 'reset' };

/** A fault that replaces the answer; `delay` only postpones it and is handled by the server. */
export type ReplacingFault = Exclude<SimulatorFault, { kind: 'delay' }>;

interface QueuedFault {
  fault: SimulatorFault;
  remaining: number;
}

/** The faults queued per job id (lower-case), served in the order they were queued. */
export class FaultQueues {
  private readonly queues = new Map<string, QueuedFault[]>();

  /**
   * Queues `fault` for the next `times` status requests of the job (Infinity allowed).
   *
   * @throws RangeError for a `times` that is not a positive integer or Infinity, an http fault
   *   without a status in 100..599, or a delay fault without a finite ms >= 0.
   */
  inject(jobId: string, fault: SimulatorFault, times: number): void {
    if (!(times === Infinity || (Number.isInteger(times) && times > 0))) {
      throw new RangeError('times must be a positive integer or Infinity.');
    }
    assertValidFault(fault);
    const queue = this.queues.get(jobId) ?? [];
    queue.push({ fault, remaining: times });
    this.queues.set(jobId, queue);
  }

  /** The fault to serve on this request, if any; counts it as served. */
  take(jobId: string): SimulatorFault | undefined {
    const queue = this.queues.get(jobId);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head.fault;
  }

  forget(jobId: string): void {
    this.queues.delete(jobId);
  }
}

function assertValidFault(fault: SimulatorFault): void {
  const isHttpStatus = (status: number): boolean => Number.isInteger(status) && status >= 100 && status < 600;
  if (fault.kind === 'http' && !isHttpStatus(fault.status)) {
    throw new RangeError('An http fault needs a status in 100..599.');
  }
  if (fault.kind === 'delay' && !(Number.isFinite(fault.ms) && fault.ms >= 0)) {
    throw new RangeError('A delay fault needs a finite ms >= 0.');
  }
}

/** What serving a fault needs from the simulator. */
export interface FaultContext {
  plan: ResolvedJobPlan;
  /** The normal answer's document, by the simulator clock. */
  document: BulkJobStatusDocument;
  /** A problem+json reply with the simulator's next trace id. */
  problem: (status: number, title: string, detail: string) => Reply;
  /** A fresh job id from the simulator's seeded generator. */
  newJobId: () => string;
}

/** The reply (or the reset) that `fault` serves instead of the job's normal answer. */
export function faultReply(fault: ReplacingFault, context: FaultContext): Reply | Reset {
  const { document } = context;
  switch (fault.kind) {
    case 'http':
      return httpFaultReply(fault, context.problem);
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
      return jsonReply(200, { ...document, job_id: context.newJobId() });
    case 'unknown-status':
      return jsonReply(200, { ...document, status: fault.status });
    case 'stale':
      return jsonReply(200, staleDocument(context.plan, fault.status));
    case 'reset':
      return { reset: true };
  }
}

/** The reply (or the reset) a {@link StatusFault} serves; `problem` as in {@link FaultContext}. */
export function statusFaultReply(fault: StatusFault, problem: FaultContext['problem']): Reply | Reset {
  return fault.kind === 'reset' ? { reset: true } : httpFaultReply(fault, problem);
}

/** Throws RangeError for a status fault the simulator could not serve (see {@link FaultQueues.inject}). */
export function assertValidStatusFault(fault: StatusFault): void {
  assertValidFault(fault);
}

function httpFaultReply(
  fault: Extract<SimulatorFault, { kind: 'http' }>,
  problem: FaultContext['problem'],
): Reply {
  const reply = problem(fault.status, 'Simulated failure', 'Injected by the simulator.');
  if (fault.status < 400) reply.headers['content-type'] = JSON_CONTENT_TYPE;
  if (fault.body !== undefined) {
    reply.body = typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body);
  } else if (fault.status < 400) reply.body = '';
  Object.assign(reply.headers, lowerCaseKeys(fault.headers ?? {}));
  return reply;
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
