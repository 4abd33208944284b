import { healthyCheckDelayMs, WEBHOOK_STRETCH, type CadencePolicy } from './cadence.js';
import { JobStatus } from './job-status.js';

const MINUTE_MS = 60_000;

/**
 * The longest a healthy job goes unchecked under the ETA cadence, webhook or not: a job that fails
 * mid-way is noticed within this bound (plus at most one interval for the schedule to come round).
 */
export const ETA_MAX_GAP_MS = 10 * MINUTE_MS;
/**
 * Far from the estimated end, the next check comes after this share of the estimated time left.
 * Chosen with `npm run bench` (docs/BENCHMARKS.md): larger shares save calls but let rate noise
 * push the completion latency past the every-interval strategy's by more than 30 seconds.
 */
export const ETA_REMAINING_SHARE = 0.45;
/**
 * How far the observed average rate may move between two checks before the estimate is not
 * trusted: beyond it the job has stalled or sped up, and today's age-based cadence takes over.
 */
export const ETA_RATE_CHANGE_LIMIT = 2;

/** Progress of a job at one moment: what the status document says, and when it was read. */
export interface ProgressObservation {
  /** When the observation was made, epoch milliseconds. */
  atMs: number;
  /** `success_count + failed_count`; null when the document does not carry both. */
  done: number | null;
  total: number | null;
}

/** Everything the ETA cadence looks at; nothing here needs writing beyond the latest snapshot. */
export interface EtaCadenceInput {
  status: JobStatus;
  /** How long ago the job was created, for the age-based fallback. */
  jobAgeMs: number;
  /** When processing started (`started_at`), epoch milliseconds; null while unknown. */
  startedAtMs: number | null;
  /** This check's observation. */
  latest: ProgressObservation;
  /** The snapshot stored by the previous check, if any: only used to notice a rate change. */
  previous: ProgressObservation | null;
  webhook?: boolean;
}

/** Done items per millisecond since `started_at`, or null when there is nothing to learn from. */
function averageRate(observation: ProgressObservation, startedAtMs: number): number | null {
  const elapsed = observation.atMs - startedAtMs;
  const { done, total } = observation;
  if (done === null || total === null || total <= 0 || elapsed <= 0 || done <= 0) return null;
  return done / elapsed;
}

const movedBackwards = (input: EtaCadenceInput): boolean =>
  input.previous?.done != null && input.latest.done != null && input.latest.done < input.previous.done;

/** Both rates known and further apart than {@link ETA_RATE_CHANGE_LIMIT}: the past no longer predicts. */
function rateChanged(input: EtaCadenceInput, rate: number, startedAtMs: number): boolean {
  if (!input.previous) return false;
  const before = averageRate(input.previous, startedAtMs);
  if (before === null) return false;
  return rate / before > ETA_RATE_CHANGE_LIMIT || before / rate > ETA_RATE_CHANGE_LIMIT;
}

/**
 * Milliseconds until the job is expected to finish, from its average rate since `started_at`; null
 * when progress cannot be trusted (no start, no counts, counts going backwards, rate changed).
 * The rate is derived from `started_at` and the latest counts, so no earlier observation has to be
 * stored: the previous snapshot, already kept, is only a sanity check.
 */
export function estimatedRemainingMs(input: EtaCadenceInput): number | null {
  if (input.startedAtMs === null || movedBackwards(input)) return null;
  const rate = averageRate(input.latest, input.startedAtMs);
  if (rate === null || rateChanged(input, rate, input.startedAtMs)) return null;
  const { done, total } = input.latest as { done: number; total: number };
  return Math.max(total - done, 0) / rate;
}

/**
 * How long to wait before checking a healthy job again, using its estimated finishing time.
 *
 * Far from the estimate the job is checked after 45% of the time left, so the gaps shrink
 * geometrically as the end approaches and reach the schedule's interval around it; no gap is
 * longer than {@link ETA_MAX_GAP_MS}, which bounds how late a mid-way failure is seen. Without
 * progress to learn from (`pending`, zero counts, counts going backwards, a changed rate) it is
 * today's age-based cadence ({@link healthyCheckDelayMs}). An estimate already past means the
 * job should be ending: checked every interval.
 *
 * With a webhook the callback is the fast path, so the gaps near the end stretch by
 * {@link WEBHOOK_STRETCH}, still within the same maximum gap.
 */
export function etaCheckDelayMs(input: EtaCadenceInput, policy: CadencePolicy): number {
  const fallback = healthyCheckDelayMs(input.status, input.jobAgeMs, policy, { webhook: input.webhook });
  if (input.status !== JobStatus.Processing) return fallback;
  const remaining = estimatedRemainingMs(input);
  if (remaining === null) return fallback;
  const floor = input.webhook ? WEBHOOK_STRETCH * policy.pollIntervalMs : policy.pollIntervalMs;
  const ceiling = Math.max(ETA_MAX_GAP_MS, policy.pollIntervalMs);
  const wanted = Math.max(remaining * ETA_REMAINING_SHARE, floor);
  return Math.round(Math.min(wanted, ceiling));
}
