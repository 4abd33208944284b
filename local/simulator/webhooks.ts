/**
 * The completion callback: a job created with a `webhook_url` gets one `POST` of its final status
 * document shortly after it ends (completed or failed). CompanyEnrich documents neither the body
 * nor any retry, so the simulator sends the status document once and never retries; a failed call
 * is recorded (and reported to the observer) for the local run to log and tests to assert on.
 */
import type { BulkJobStatusDocument, ResolvedJobPlan } from './plan.js';

/** How long after a job's terminal instant its callback goes out. */
export const WEBHOOK_DELAY_MS = 250;
/** A callback that takes longer than this is abandoned (and recorded as failed). */
const WEBHOOK_TIMEOUT_MS = 5_000;

/** One callback attempt. */
export interface WebhookDelivery {
  jobId: string;
  url: string;
  /** The HTTP status answered; null when no answer came (refused, reset, timeout). */
  status: number | null;
  /** Why no 2xx came back; null on success. */
  error: string | null;
  /** Simulator clock when the call was made. */
  at: Date;
}

interface PendingCallback {
  url: string;
  dueAtMs: number;
  timer: NodeJS.Timeout | undefined;
}

/** What the callbacks need from the simulator. */
export interface WebhookHost {
  clock: () => Date;
  /** The job's plan, or undefined once it was forgotten. */
  plan: (jobId: string) => ResolvedJobPlan | undefined;
  document: (plan: ResolvedJobPlan, nowMs: number) => BulkJobStatusDocument;
  /** Called after each attempt; its exceptions are ignored. */
  onDelivery?: (delivery: WebhookDelivery) => void;
  /**
   * True (wall-clock simulators): each callback fires on a timer. False (a test's fake clock):
   * callbacks go out only when `deliverDue()` is called after the clock moved.
   */
  timers: boolean;
}

/** The instant a plan's job reaches its terminal status. */
export function terminalAtMs(plan: ResolvedJobPlan): number {
  return plan.createdAt.getTime() + plan.pendingMs + plan.processingMs + plan.completingMs;
}

/** The callbacks owed, one per job created with a `webhook_url`. */
export class WebhookCallbacks {
  private readonly pending = new Map<string, PendingCallback>();
  private readonly inFlight = new Set<AbortController>();
  private readonly log: WebhookDelivery[] = [];

  constructor(private readonly host: WebhookHost) {}

  /** Every attempt so far, oldest first. */
  get deliveries(): readonly WebhookDelivery[] {
    return this.log;
  }

  /** Owes `url` one call when the job ends. */
  register(plan: ResolvedJobPlan, url: string): void {
    this.forget(plan.jobId);
    const dueAtMs = terminalAtMs(plan) + WEBHOOK_DELAY_MS;
    const callback: PendingCallback = { url, dueAtMs, timer: undefined };
    if (this.host.timers) {
      const waitMs = Math.max(dueAtMs - this.host.clock().getTime(), 0);
      // Unref'd: an owed callback never keeps a finished process alive.
      callback.timer = setTimeout(() => void this.deliver(plan.jobId), waitMs).unref();
    }
    this.pending.set(plan.jobId, callback);
  }

  /** Sends every callback whose time has come by the simulator clock; resolves when all were tried. */
  async deliverDue(): Promise<WebhookDelivery[]> {
    const nowMs = this.host.clock().getTime();
    const due = [...this.pending].filter(([, callback]) => callback.dueAtMs <= nowMs);
    const sent = await Promise.all(due.map(([jobId]) => this.deliver(jobId)));
    return sent.filter((delivery) => delivery !== null);
  }

  /** Drops the job's callback (the job was forgotten). */
  forget(jobId: string): void {
    clearTimeout(this.pending.get(jobId)?.timer);
    this.pending.delete(jobId);
  }

  /** Cancels every owed callback and aborts those in flight. */
  stop(): void {
    for (const jobId of [...this.pending.keys()]) this.forget(jobId);
    for (const controller of this.inFlight) controller.abort();
  }

  private async deliver(jobId: string): Promise<WebhookDelivery | null> {
    const callback = this.pending.get(jobId);
    const plan = this.host.plan(jobId);
    this.forget(jobId);
    if (!callback || !plan) return null;
    const at = this.host.clock();
    const body = JSON.stringify(this.host.document(plan, at.getTime()));
    const controller = new AbortController();
    this.inFlight.add(controller);
    let delivery: WebhookDelivery;
    try {
      const response = await fetch(callback.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'CompanyEnrich-Simulator-Webhook' },
        body,
        signal: AbortSignal.any([controller.signal, AbortSignal.timeout(WEBHOOK_TIMEOUT_MS)]),
      });
      await response.arrayBuffer().catch(() => undefined);
      const error = response.ok ? null : `answered HTTP ${response.status}`;
      delivery = { jobId, url: callback.url, status: response.status, error, at };
    } catch (error) {
      const reason =
        error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : '';
      delivery = { jobId, url: callback.url, status: null, error: reason || 'no answer', at };
    } finally {
      this.inFlight.delete(controller);
    }
    this.log.push(delivery);
    try {
      this.host.onDelivery?.(delivery);
    } catch {
      // An observer's bug must not break the simulator.
    }
    return delivery;
  }
}
