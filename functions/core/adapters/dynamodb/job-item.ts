/** The codec of job items (see item-codec.ts for what is tolerated). */
import * as z from 'zod/mini';
import type { NotificationReceipt, OwedNotification, TrackedJob } from '../../domain/job.js';
import { JobStatus } from '../../domain/job-status.js';
import { NotificationChannel } from '../../domain/notification-channel.js';
import { MalformedItemError } from '../../domain/errors.js';
import type { JobSummary, Log, NewTrackedJob } from '../../ports.js';
import {
  channels,
  counter,
  decodeItem,
  jobStatus,
  nullableMap,
  nullableNumber,
  nullableText,
} from './item-codec.js';
import { ItemEntity, JOB_KEY_PREFIX, jobKey, watchQueueFor, type Item } from './table.js';

const jobCounts = z.object({
  total_domains: nullableNumber,
  success_count: nullableNumber,
  failed_count: nullableNumber,
  credits_charged: nullableNumber,
});

/** The API's document as the status adapter validated it; stored verbatim. */
const snapshot = z.object({
  job_id: z.string(),
  status: z.string(),
  ...jobCounts.shape,
  created_at: nullableText,
  started_at: nullableText,
  completed_at: nullableText,
  results_url: nullableText,
  error_message: nullableText,
});

const historyEntry = z.object({
  from: jobStatus,
  to: jobStatus,
  at: z.string(),
  counts: nullableMap(jobCounts),
});

const anomaly = z.object({ kind: z.literal('unknown_status'), value: z.string(), at: z.string() });

const lastError = z.object({ kind: z.string(), message: z.string(), at: z.string() });

const owedNotification = z.pipe(
  z.object({
    event_id: z.string(),
    status: jobStatus,
    previous_status: jobStatus,
    detected_at: z._default(z.string(), ''),
    delivered_channels: channels,
  }),
  z.transform((owed): OwedNotification => ({
    eventId: owed.event_id,
    status: owed.status,
    previousStatus: owed.previous_status,
    detectedAt: owed.detected_at,
    deliveredChannels: owed.delivered_channels,
  })),
);

const notificationReceipt = z.pipe(
  z.object({
    event_id: z.string(),
    published_at: z.string(),
    // Receipts written before one topic per channel carry a single `message_id`, no map.
    message_ids: z._default(z.partialRecord(z.enum(NotificationChannel), z.string()), {}),
  }),
  z.transform((receipt): NotificationReceipt => ({
    eventId: receipt.event_id,
    publishedAt: receipt.published_at,
    messageIds: receipt.message_ids,
  })),
);

const jobItem = z.pipe(
  z.object({
    pk: z.string().check(z.startsWith(JOB_KEY_PREFIX)),
    job_id: z.optional(z.string()),
    status: z._default(jobStatus, JobStatus.Pending),
    label: nullableText,
    metadata: z._default(z.record(z.string(), z.string()), {}),
    tracked_at: z._default(z.string(), ''),
    last_checked_at: nullableText,
    next_check_at: nullableText,
    consecutive_errors: counter,
    consecutive_not_found: counter,
    last_error: nullableMap(lastError),
    snapshot: nullableMap(snapshot),
    history: z._default(z.array(historyEntry), []),
    // Absent on items written before history was trimmed, and while nothing was.
    history_trimmed: counter,
    notification_owed: nullableMap(owedNotification),
    last_notification: nullableMap(notificationReceipt),
    anomaly_count: counter,
    anomalies: z._default(z.array(anomaly), []),
    // Items tracked before untracking and webhooks existed lack both.
    untracked_at: nullableText,
    webhook: z._default(z.boolean(), false),
    version: counter,
  }),
  z.transform((item): TrackedJob => ({
    jobId: item.job_id ?? item.pk.slice(JOB_KEY_PREFIX.length),
    status: item.status,
    label: item.label,
    metadata: item.metadata,
    trackedAt: item.tracked_at,
    lastCheckedAt: item.last_checked_at,
    nextCheckAt: item.next_check_at,
    consecutiveErrors: item.consecutive_errors,
    consecutiveNotFound: item.consecutive_not_found,
    lastError: item.last_error,
    snapshot: item.snapshot,
    history: item.history,
    historyTrimmed: item.history_trimmed,
    notificationOwed: item.notification_owed,
    lastNotification: item.last_notification,
    anomalyCount: item.anomaly_count,
    anomalies: item.anomalies,
    untrackedAt: item.untracked_at,
    webhook: item.webhook,
    version: item.version,
  })),
);

/**
 * Reads a job item.
 *
 * @throws MalformedItemError naming the item and the first bad attribute.
 */
export function decodeJobItem(item: Item): TrackedJob {
  return decodeItem(jobItem, item, typeof item.pk === 'string' ? item.pk : '(no key)');
}

const jobSummaryItem = z.pipe(
  z.object({
    pk: z.string().check(z.startsWith(JOB_KEY_PREFIX)),
    job_id: z.optional(z.string()),
    status: jobStatus,
    label: nullableText,
    tracked_at: z.string(),
    untracked_at: nullableText,
  }),
  z.transform((item): JobSummary => ({
    jobId: item.job_id ?? item.pk.slice(JOB_KEY_PREFIX.length),
    status: item.status,
    label: item.label,
    trackedAt: item.tracked_at,
    untrackedAt: item.untracked_at,
  })),
);

/**
 * Reads a row of the listing indexes (their narrow projection, not the whole job).
 *
 * @throws MalformedItemError naming the item and the first bad attribute.
 */
export function decodeJobSummaryItem(item: Item): JobSummary {
  return decodeItem(jobSummaryItem, item, typeof item.pk === 'string' ? item.pk : '(no key)');
}

/**
 * Decodes each of `items`, leaving out (and logging at error level, by job id and attribute)
 * those that cannot be read: one bad item must not hide every other job. Errors that are not
 * the item's fault propagate.
 */
export function readableItems<T>(items: Item[], decode: (item: Item) => T, log: Log): T[] {
  const readable: T[] = [];
  for (const item of items) {
    try {
      readable.push(decode(item));
    } catch (error) {
      if (!(error instanceof MalformedItemError)) throw error;
      log.error('Skipping a stored job that cannot be read; fix or delete its item', {
        job_id: error.key.startsWith(JOB_KEY_PREFIX) ? error.key.slice(JOB_KEY_PREFIX.length) : null,
        item_key: error.key,
        field: error.field,
        problem: error.problem,
      });
    }
  }
  return readable;
}

/** The state of a job that was just tracked: pending, due at once, nothing learnt yet. */
export function newTrackedJob(job: NewTrackedJob): TrackedJob {
  return {
    jobId: job.jobId,
    status: JobStatus.Pending,
    label: job.label,
    metadata: job.metadata,
    trackedAt: job.trackedAt,
    lastCheckedAt: null,
    // Due at once: the first check happens on the next tick.
    nextCheckAt: job.trackedAt,
    consecutiveErrors: 0,
    consecutiveNotFound: 0,
    lastError: null,
    snapshot: null,
    history: [],
    historyTrimmed: 0,
    notificationOwed: null,
    lastNotification: null,
    anomalyCount: 0,
    anomalies: [],
    untrackedAt: null,
    webhook: job.webhook ?? false,
    version: 1,
  };
}

/** The stored form of an owed notification. */
export function encodeOwedNotification(owed: OwedNotification): Item {
  return {
    event_id: owed.eventId,
    status: owed.status,
    previous_status: owed.previousStatus,
    detected_at: owed.detectedAt,
    delivered_channels: owed.deliveredChannels,
  };
}

/** The stored form of a notification receipt. */
export function encodeNotificationReceipt(receipt: NotificationReceipt): Item {
  return { event_id: receipt.eventId, message_ids: receipt.messageIds, published_at: receipt.publishedAt };
}

/**
 * The whole item for a job. A job is in the due index (`watch_queue`) exactly while it has a
 * next check, in the `owed` partition while it owes a notification: settling it removes both.
 */
export function encodeJobItem(job: TrackedJob): Item {
  return {
    ...jobKey(job.jobId),
    entity: ItemEntity.Job,
    job_id: job.jobId,
    status: job.status,
    label: job.label,
    metadata: job.metadata,
    tracked_at: job.trackedAt,
    last_checked_at: job.lastCheckedAt,
    ...(job.nextCheckAt === null
      ? {}
      : { next_check_at: job.nextCheckAt, watch_queue: watchQueueFor(job.notificationOwed !== null) }),
    consecutive_errors: job.consecutiveErrors,
    consecutive_not_found: job.consecutiveNotFound,
    last_error: job.lastError,
    snapshot: job.snapshot,
    history: job.history,
    ...(job.historyTrimmed > 0 ? { history_trimmed: job.historyTrimmed } : {}),
    notification_owed: job.notificationOwed ? encodeOwedNotification(job.notificationOwed) : null,
    last_notification: job.lastNotification ? encodeNotificationReceipt(job.lastNotification) : null,
    anomaly_count: job.anomalyCount,
    anomalies: job.anomalies,
    // Absent, not null, while tracked: untracking is conditional on `attribute_not_exists`.
    ...(job.untrackedAt === null ? {} : { untracked_at: job.untrackedAt }),
    webhook: job.webhook,
    version: job.version,
  };
}
