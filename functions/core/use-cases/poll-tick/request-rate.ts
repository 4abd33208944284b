import type { Clock } from '../../ports.js';

/** Waits `ms` of real time, or until `signal` aborts (then rejects). Injected so tests need not wait. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** A wait in progress: its timer, and how to end it either way. */
interface Waiter {
  readonly timer: ReturnType<typeof setTimeout>;
  readonly reject: (reason: unknown) => void;
}

/** The waits on each signal, with the one abort listener that ends them all. */
const waitersBySignal = new WeakMap<AbortSignal, { waiters: Set<Waiter>; onAbort: () => void }>();

/**
 * Real-time sleep that ends early (rejecting with the signal's reason) on abort. All the waits on
 * one signal share ONE abort listener, removed when the last of them ends: a capped tick has up to
 * `concurrency` checks waiting on the same signal, and one listener each went past Node's limit of
 * 10 and printed MaxListenersExceededWarning.
 */
export const realSleep: Sleep = (ms, signal) => {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  let entry = waitersBySignal.get(signal);
  if (!entry) {
    const waiters = new Set<Waiter>();
    const onAbort = (): void => {
      waitersBySignal.delete(signal);
      for (const waiter of waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(signal.reason);
      }
    };
    entry = { waiters, onAbort };
    waitersBySignal.set(signal, entry);
    signal.addEventListener('abort', onAbort, { once: true });
  }
  const { waiters, onAbort } = entry;
  return new Promise<void>((resolve, reject) => {
    const waiter: Waiter = {
      timer: setTimeout(() => {
        waiters.delete(waiter);
        if (waiters.size === 0) {
          waitersBySignal.delete(signal);
          signal.removeEventListener('abort', onAbort);
        }
        resolve();
      }, ms),
      reject,
    };
    waiters.add(waiter);
  });
};

/** Paces status requests; `take` resolves false when the wait was aborted (deadline or halt). */
export interface RequestRate {
  take(signal: AbortSignal): Promise<boolean>;
}

/** No cap: every request goes at once (`API_RATE_LIMIT=0`). */
export const UNLIMITED_RATE: RequestRate = { take: (signal) => Promise.resolve(!signal.aborted) };

/**
 * A token bucket holding up to one second's worth of requests, refilled continuously at
 * `perSecond`. Each caller reserves its token synchronously (the balance may go negative) and
 * then waits until that token has been refilled, so concurrent callers are spaced 1/perSecond
 * apart without racing for the same token, and requests go in the order they asked.
 *
 * Written here rather than taken from a library: the wait must end on the tick's abort signal
 * and time must come from the injected clock, so the tests count instead of sleeping.
 */
export class TokenBucket implements RequestRate {
  private tokens: number;
  private refilledAt: number;
  private readonly capacity: number;

  constructor(
    private readonly perSecond: number,
    private readonly clock: Clock,
    private readonly sleep: Sleep = realSleep,
  ) {
    if (!(perSecond > 0)) throw new RangeError(`rate must be positive, got ${perSecond}`);
    this.capacity = Math.max(1, perSecond);
    this.tokens = this.capacity;
    this.refilledAt = clock.now().getTime();
  }

  async take(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return false;
    const now = this.clock.now().getTime();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) * this.perSecond) / 1000);
    this.refilledAt = now;
    this.tokens -= 1;
    if (this.tokens >= 0) return true;
    const waitMs = (-this.tokens * 1000) / this.perSecond;
    try {
      await this.sleep(waitMs, signal);
      return true;
    } catch (error) {
      if (!wasAborted(signal)) throw error;
      // The reserved token was never used: give it back for whoever asks after the abort.
      this.tokens += 1;
      return false;
    }
  }
}

/** Read through a call: the narrowing from before the wait would say it is still false. */
function wasAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

/** The tick's pacing for a `requestsPerSecond` setting: null or 0 means no cap. */
export function requestRate(
  requestsPerSecond: number | null | undefined,
  clock: Clock,
  sleep?: Sleep,
): RequestRate {
  return requestsPerSecond ? new TokenBucket(requestsPerSecond, clock, sleep) : UNLIMITED_RATE;
}
