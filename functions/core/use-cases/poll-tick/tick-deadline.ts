import type { HaltReason } from '../../domain/halt-reason.js';
import type { Clock } from '../../ports.js';

/** Time kept back after the last check may start, to record its outcome and publish. */
export const WRITE_RESERVE_MS = 2_000;
/** In-flight requests are aborted this long before the deadline so the tick can still return. */
export const ABORT_RESERVE_MS = 1_000;

export interface TickDeadlineOptions {
  /** Real-clock instant by which the tick must have finished; null: none. */
  deadline: Date | null;
  /** Aborts the tick from outside (Ctrl-C in the local run). */
  signal?: AbortSignal;
  /** The clock the deadline is measured on. */
  clock: Clock;
  /** The longest one status request may take. */
  requestTimeoutMs: number;
}

/**
 * When one tick must stop: no check starts unless a full request timeout plus a write reserve
 * is left before the deadline, and in-flight requests are aborted shortly before it (or at once
 * when the caller aborts).
 *
 * Starts a timer and listens to the caller's signal from construction: call `dispose` when the
 * tick ends, whatever way it ends, or a CLI process stays alive until the timer fires.
 */
export class TickDeadline {
  private readonly controller = new AbortController();
  private readonly hardStop: ReturnType<typeof setTimeout> | null;
  private readonly onExternalAbort = (): void => {
    this.controller.abort(this.options.signal?.reason);
  };

  constructor(private readonly options: TickDeadlineOptions) {
    const { deadline, signal, clock } = options;
    signal?.addEventListener('abort', this.onExternalAbort, { once: true });
    if (signal?.aborted) this.controller.abort(signal.reason);
    this.hardStop =
      deadline === null
        ? null
        : setTimeout(
            () => {
              this.controller.abort(new Error('Tick deadline reached'));
            },
            Math.max(deadline.getTime() - clock.now().getTime() - ABORT_RESERVE_MS, 0),
          );
  }

  /** Aborted at the hard stop (just before the deadline) or when the caller aborts. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Why no new work may start now, or null while there is time for one more check. */
  timeToStop(): HaltReason | null {
    const { deadline, signal, clock, requestTimeoutMs } = this.options;
    if (this.controller.signal.aborted) return signal?.aborted ? 'aborted' : 'deadline';
    const timeLeftMs = deadline === null ? Infinity : deadline.getTime() - clock.now().getTime();
    if (timeLeftMs < requestTimeoutMs + WRITE_RESERVE_MS) return 'deadline';
    return null;
  }

  /** Stops the timer and the listener; the tick is over. */
  dispose(): void {
    if (this.hardStop) clearTimeout(this.hardStop);
    this.options.signal?.removeEventListener('abort', this.onExternalAbort);
  }
}
