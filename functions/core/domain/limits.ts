/**
 * Every size limit the watcher holds itself to, in one place: what it keeps of an API answer,
 * of a job's history, and what it may hand to SNS. The numbers are the documented AWS limits
 * (DynamoDB item 400 KB, SNS message 256 KB, email subject under 100 characters) with room to
 * spare, and lengths no genuine CompanyEnrich answer comes near.
 */

/**
 * Maximum lengths (characters) of the strings kept from a status answer. Ids, statuses and
 * timestamps over them make the answer malformed (no genuine one is that long); an error message
 * over its maximum is kept cut, with a marker, because it is the one thing a failed job's
 * owner must read.
 */
export const SNAPSHOT_LIMITS = {
  /** A job id is a UUID (36 characters). */
  idLength: 128,
  /** Documented statuses are at most 10 characters; an undocumented one is kept as an anomaly. */
  statusLength: 64,
  /** ISO-8601 with offset and nanoseconds is 35 characters. */
  timestampLength: 64,
  /** A pre-signed S3 URL with a session token is 1-3 kB; a URL cannot be cut and still work. */
  resultsUrlLength: 16_384,
  errorMessageLength: 4_096,
} as const;

/**
 * Cuts `value` to at most `max` characters, saying how much was cut, so a reader always knows
 * the text is incomplete.
 */
export function clipText(value: string, max: number): string {
  if (value.length <= max) return value;
  // The marker's length depends on the count it shows; size it for the largest count possible.
  const marker = (cut: number) => ` … [truncated: ${cut.toLocaleString('en-US')} more characters]`;
  const keep = Math.max(max - marker(value.length).length, 0);
  return `${value.slice(0, keep)}${marker(value.length - keep)}`.slice(0, max);
}

/**
 * History entries kept on a job item, most recent first to go last: a job records at most five
 * transitions, so only an item written by hand or by a future code path gets near it. Older
 * entries are dropped with a count (`history_trimmed`), never silently, and the item stays far
 * below DynamoDB's 400 KB.
 */
export const MAX_HISTORY_KEPT = 100;

/** Anomalies (undocumented statuses) kept on a job item; `anomaly_count` keeps counting them all. */
export const MAX_ANOMALIES_KEPT = 10;
