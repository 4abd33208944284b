import { JobStatus } from './job-status.js';

/** The timing knobs the pure decisions need; all come from validated configuration. */
export interface CadencePolicy {
  /** The schedule's interval: no job is checked more often than this. */
  pollIntervalMs: number;
  /** Ceiling for per-job error backoff. */
  maxBackoffMs: number;
}

const MINUTE_MS = 60_000;

/**
 * How long to wait before checking a healthy job again.
 *
 * A job that has been running for a while is unlikely to finish in the next minute, so older
 * jobs are checked less often: that keeps API traffic proportional to useful answers while a
 * notification is at most a few intervals late. `completing` is always checked at the base
 * interval because CompanyEnrich uses it for the last step before a final status.
 */
export function healthyCheckDelayMs(status: JobStatus, jobAgeMs: number, policy: CadencePolicy): number {
  if (status === JobStatus.Completing) return policy.pollIntervalMs;
  if (jobAgeMs < 15 * MINUTE_MS) return policy.pollIntervalMs;
  if (jobAgeMs < 120 * MINUTE_MS) return 2 * policy.pollIntervalMs;
  return 5 * policy.pollIntervalMs;
}

/**
 * Exponential backoff with "equal jitter" for the `attempt`-th consecutive failure (1-based):
 * half of the exponential step is fixed, half is random, so retries spread out but never come
 * back sooner than half the step.
 *
 * @param random - a source of floats in [0, 1); injected so tests are deterministic.
 */
export function backoffDelayMs(attempt: number, policy: CadencePolicy, random: () => number): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 20);
  const step = Math.min(policy.maxBackoffMs, policy.pollIntervalMs * 2 ** exponent);
  return Math.round(step / 2 + random() * (step / 2));
}

/** Adds milliseconds to an ISO-8601 instant and returns ISO-8601. */
export function addMs(isoInstant: string, ms: number): string {
  return new Date(Date.parse(isoInstant) + ms).toISOString();
}
