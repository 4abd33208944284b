/**
 * Fault injection for `POST /companies/enrich/bulk`: misbehaviours served, in the order queued,
 * instead of creating a job (or, for `delay`, before creating it). Kept apart from the status
 * faults so the create endpoint's error modes can be tested without a job to attach them to.
 */
import { FaultQueues, type SimulatorFault } from './faults.js';
import { JSON_CONTENT_TYPE, jsonReply, type Reply, type Reset } from './http.js';

/** What a create request can be answered with instead of a new job. */
export type CreateFault = Extract<
  SimulatorFault,
  { kind: 'http' } | { kind: 'garbage' } | { kind: 'wrong-shape' } | { kind: 'delay' } | { kind: 'reset' }
>;

const QUEUE = 'create';

/** The queued create faults. */
export class CreateFaultQueue {
  private readonly queue = new FaultQueues();

  /** Queues `fault` for the next `times` create requests (Infinity allowed). */
  inject(fault: CreateFault, times: number): void {
    this.queue.inject(QUEUE, fault, times);
  }

  /** The fault to serve on this create request, if any; counts it as served. */
  take(): CreateFault | undefined {
    return this.queue.take(QUEUE) as CreateFault | undefined;
  }
}

/**
 * The reply (or reset) a replacing create fault serves; no job is created.
 *
 * @param problem - a problem+json reply with the simulator's next trace id.
 */
export function createFaultReply(
  fault: Exclude<CreateFault, { kind: 'delay' }>,
  problem: (status: number, title: string, detail: string) => Reply,
): Reply | Reset {
  switch (fault.kind) {
    case 'http': {
      const reply = problem(fault.status, 'Simulated failure', 'Injected by the simulator.');
      if (fault.body !== undefined) {
        reply.body = typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body);
      }
      for (const [name, value] of Object.entries(fault.headers ?? {}))
        reply.headers[name.toLowerCase()] = value;
      return reply;
    }
    case 'garbage':
      return { status: 200, headers: { 'content-type': JSON_CONTENT_TYPE }, body: '{"job_id": "' };
    case 'wrong-shape':
      return jsonReply(200, { data: { id: 'not-a-uuid', state: 'queued' } });
    case 'reset':
      return { reset: true };
  }
}
