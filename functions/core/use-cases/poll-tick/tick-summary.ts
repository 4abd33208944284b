import { WatcherError } from '../../domain/errors.js';
import type { HaltReason } from '../../domain/halt-reason.js';
import type { Log } from '../../ports.js';

/** What one tick did; returned by the handler and turned into metrics. */
export interface TickSummary {
  now: string;
  /** Status requests sent. */
  checked: number;
  transitions: number;
  /** Job notifications published. */
  notified: number;
  /** Operator alerts published (incident opened or recovered). */
  alerts: number;
  unchanged: number;
  /**
   * Checked jobs by the status recorded after their check. Summed over five intervals this
   * approximates the watched jobs by status (no job waits longer than that between checks
   * unless it is backing off), at no extra read.
   */
  byStatus: Record<string, number>;
  regressionsIgnored: number;
  anomalies: number;
  /** Writes that lost a race to a concurrent tick (the other tick's outcome stands). */
  conflicts: number;
  /**
   * Due jobs this tick read but left for the next one (it halted or ran out of time). Jobs it
   * never read because it stopped paging are not counted.
   */
  deferred: number;
  /**
   * Age in whole seconds, at the tick's time, of the oldest notification or operator alert this
   * tick found still owed (since its transition or incident was detected); 0 when none. An owed
   * notification is retried once its lease runs out, so one stuck for long is seen every few ticks.
   */
  oldestOwedSeconds: number;
  /** Failures by kind: API error kinds, plus `publish_failed` and `internal`. */
  errors: Record<string, number>;
  halted: HaltReason | null;
}

/** The tick finished its work, but some of it failed for reasons that are not the API's. */
export class TickIncompleteError extends WatcherError {
  override name = 'TickIncompleteError';
  constructor(
    readonly summary: TickSummary,
    options?: ErrorOptions,
  ) {
    super(`Poll tick finished with ${summary.errors.internal ?? 0} internal error(s)`, options);
  }
}

/**
 * The running count of one tick. The parts of the tick share it so that each counts what it did
 * in one place; `finish` turns it into the tick's result.
 */
export class TickTally {
  readonly summary: TickSummary;
  /** Kept as the cause of the `TickIncompleteError`: the first failure is usually the telling one. */
  private firstInternalError: unknown = null;

  constructor(
    now: string,
    private readonly log: Log,
  ) {
    this.summary = {
      now,
      checked: 0,
      transitions: 0,
      notified: 0,
      alerts: 0,
      unchanged: 0,
      byStatus: {},
      regressionsIgnored: 0,
      anomalies: 0,
      conflicts: 0,
      deferred: 0,
      oldestOwedSeconds: 0,
      errors: {},
      halted: null,
    };
  }

  /** Counts one failure of `kind` (an API error kind, `publish_failed`, `internal`...). */
  countError(kind: string): void {
    this.summary.errors[kind] = (this.summary.errors[kind] ?? 0) + 1;
  }

  /** Counts a checked job by the status recorded after its check. */
  countStatus(status: string): void {
    this.summary.byStatus[status] = (this.summary.byStatus[status] ?? 0) + 1;
  }

  /** Notes a notification or alert found still owed, detected at `detectedAt` (ISO-8601). */
  sawOwed(detectedAt: string): void {
    const ageSeconds = Math.floor((Date.parse(this.summary.now) - Date.parse(detectedAt)) / 1000);
    if (Number.isFinite(ageSeconds) && ageSeconds > this.summary.oldestOwedSeconds) {
      this.summary.oldestOwedSeconds = ageSeconds;
    }
  }

  /** Counts a due job left for the next tick; the first reason the tick stopped is the one reported. */
  defer(reason: HaltReason | null): void {
    this.summary.halted ??= reason;
    this.summary.deferred += 1;
  }

  /** Records a failure that is not the API's (the store, a bug): logged, counted, and fails the tick. */
  recordInternal(message: string, jobId: string | null, error: unknown): void {
    this.countError('internal');
    this.firstInternalError ??= error;
    this.log.error(message, { job_id: jobId, error });
  }

  /**
   * Logs the summary and returns it.
   *
   * @throws TickIncompleteError when any internal failure was recorded, with the summary attached.
   */
  finish(): TickSummary {
    this.log.info('Poll tick finished', { ...this.summary });
    if (this.summary.errors.internal) {
      throw new TickIncompleteError(this.summary, { cause: this.firstInternalError });
    }
    return this.summary;
  }
}
