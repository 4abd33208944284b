import type { CheckResult } from '../../domain/check-decision.js';
import { provesAccess, type AccessProblem, type SystematicProblem } from '../../domain/errors.js';
import {
  countAnswer,
  NO_ANSWERS,
  systematicProblem,
  type TickAnswers,
} from '../../domain/systematic-answers.js';

/**
 * Why the gate stopped admitting status requests: the account is refused (an incident), most
 * answers would end jobs the same way (a systematic 404/400: an incident, no job ended by it),
 * the API throttles, or the key could not be read for now (`api_key_transient`: no incident,
 * next tick retries).
 */
export type GateHalt = AccessProblem | SystematicProblem | 'throttled' | 'api_key_transient';

/**
 * What one admitted request told the gate: the API answered for the account (`answered`, a 404
 * included), refused it (an access problem or `throttled`), or said nothing about it
 * (`inconclusive`: aborted, timed out, never sent).
 */
export type RequestOutcome = 'answered' | GateHalt | 'inconclusive';

/** What the gate learnt about the account in one tick, read when the watcher state is updated. */
export interface GateReport {
  /** The first reason the API was left alone, or null if it never was. */
  readonly halted: GateHalt | null;
  /** The `Retry-After` of the last 429, when it carried a usable one. */
  readonly retryAfterMs: number | null;
  /** Whether any request got an authorised answer: the account works. */
  readonly answered: boolean;
  /** Whether any request got a 2xx document: the URL is right too. */
  readonly documentReceived: boolean;
}

/**
 * Gates status requests for one tick. The first request goes alone, as a probe: if the key is
 * revoked, the account is out of credits or the API is throttling, exactly one request is sent
 * and the rest of the tick leaves the API alone.
 *
 * Every admitted request must be settled exactly once, whatever happens to it, or the requests
 * waiting behind the probe wait forever.
 */
export class ApiGate implements GateReport {
  private haltReason: GateHalt | null = null;
  private lastRetryAfterMs: number | null = null;
  private anyAnswered = false;
  private anyDocument = false;
  private answers: TickAnswers = NO_ANSWERS;
  private probe: Promise<void> | null = null;
  private settleProbe: (() => void) | null = null;
  private readonly controller = new AbortController();

  get halted(): GateHalt | null {
    return this.haltReason;
  }

  get retryAfterMs(): number | null {
    return this.lastRetryAfterMs;
  }

  get answered(): boolean {
    return this.anyAnswered;
  }

  get documentReceived(): boolean {
    return this.anyDocument;
  }

  /** Aborted when the gate halts, so requests already in flight stop too. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /**
   * Resolves true when a request may be sent now. The first caller is the probe and is admitted
   * at once; later callers wait until the probe is settled, then go only if the gate is still open.
   */
  async admit(): Promise<boolean> {
    if (this.haltReason) return false;
    if (!this.probe) {
      this.probe = new Promise((resolve) => {
        this.settleProbe = resolve;
      });
      return true;
    }
    await this.probe;
    return this.isOpen();
  }

  /** Records a request's outcome; the first one releases the requests waiting behind the probe. */
  settle(outcome: RequestOutcome): void {
    if (outcome === 'answered') this.anyAnswered = true;
    else if (outcome !== 'inconclusive') this.halt(outcome);
    this.settleProbe?.();
  }

  /**
   * Settles a request whose answer is recorded on its job (a document, a 404, a 400, a 5xx...).
   * Halts the tick as soon as most answers so far would end jobs the same way (see
   * `systematicProblem`), before releasing anyone waiting on the probe.
   */
  settleAnswer(result: CheckResult): void {
    if (result.ok) this.anyDocument = true;
    this.answers = countAnswer(this.answers, result);
    const systematic = systematicProblem(this.answers);
    if (systematic) this.halt(systematic);
    this.settle(result.ok || provesAccess(result.error) ? 'answered' : 'inconclusive');
  }

  /** Settles a request the API answered with a 429, keeping its `Retry-After` for the pause. */
  settleThrottled(retryAfterMs: number | null): void {
    this.lastRetryAfterMs = retryAfterMs;
    this.settle('throttled');
  }

  /**
   * Stops admitting requests and aborts those in flight. The first reason stands: later ones
   * are consequences of the first (or say the same thing).
   */
  halt(reason: GateHalt): void {
    if (this.haltReason) return;
    this.haltReason = reason;
    this.controller.abort(new Error(`API halted: ${reason}`));
  }

  /** A method, not an inline check, because `haltReason` changes while callers await the probe. */
  private isOpen(): boolean {
    return this.haltReason === null;
  }
}
