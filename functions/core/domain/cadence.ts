import { JobStatus } from './job-status.js';

/** The timing knobs the pure decisions need; all come from validated configuration. */
export interface CadencePolicy {
  /** The schedule's interval: no job is checked more often than this. */
  pollIntervalMs: number;
  /** Ceiling for per-job error backoff. */
  maxBackoffMs: number;
}

const MINUTE_MS = 60_000;

/** How much sparser a job with a webhook is polled: the callback, not the poll, is the fast path. */
export const WEBHOOK_STRETCH = 3;
/** The longest a webhook job goes unchecked while healthy: the safety net when no callback comes. */
export const WEBHOOK_MAX_DELAY_MS = 15 * MINUTE_MS;

/**
 * How long to wait before checking a healthy job again.
 *
 * A job that has been running for a while is unlikely to finish in the next minute, so older
 * jobs are checked less often: that keeps API traffic proportional to useful answers while a
 * notification is at most a few intervals late. `completing` is always checked at the base
 * interval because CompanyEnrich uses it for the last step before a final status.
 *
 * A job created with the watcher's webhook URL (`webhook`) announces its end itself, so polling
 * is only the safety net: {@link WEBHOOK_STRETCH} times sparser, but never more than
 * {@link WEBHOOK_MAX_DELAY_MS} apart (nor less often than without a webhook). `completing`
 * keeps the base interval even then: a lost callback should cost little at the very end.
 */
export function healthyCheckDelayMs(
  status: JobStatus,
  jobAgeMs: number,
  policy: CadencePolicy,
  options: { webhook?: boolean } = {},
): number {
  if (status === JobStatus.Completing) return policy.pollIntervalMs;
  const delay = unstretchedDelayMs(jobAgeMs, policy);
  if (!options.webhook) return delay;
  return Math.max(delay, Math.min(delay * WEBHOOK_STRETCH, WEBHOOK_MAX_DELAY_MS));
}

function unstretchedDelayMs(jobAgeMs: number, policy: CadencePolicy): number {
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
