import {
  GetCommand,
  PutCommand,
  paginateScan,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { JOBS_TABLE } from '../../../contract.js';
import type { JobUpdate } from '../../domain/check-decision.js';
import { ConcurrentUpdateError, JobAlreadyTrackedError } from '../../domain/errors.js';
import {
  historyWith,
  type HistoryEntry,
  type NotificationReceipt,
  type TrackedJob,
} from '../../domain/job.js';
import { MAX_ANOMALIES_KEPT, MAX_HISTORY_KEPT } from '../../domain/limits.js';
import type { JobStatus } from '../../domain/job-status.js';
import type { CallOptions, JobStore, Log, NewTrackedJob, OwedNotificationRelease } from '../../ports.js';
import { asAwsCallError, sendOptions } from '../aws-call.js';
import { DueIndexReader } from './due-index-reader.js';
import {
  decodeJobItem,
  encodeJobItem,
  encodeNotificationReceipt,
  encodeOwedNotification,
  newTrackedJob,
  readableItems,
} from './job-item.js';
import { ItemEntity, jobKey, OWED, WATCHED, watchQueueFor, type Item } from './table.js';
import { CONDITIONS, isConditionFailure, UpdateBuilder } from './update-builder.js';

/** How an {@link AwsCallError} from this store names the service. */
const SERVICE = 'DynamoDB';

/**
 * DynamoDB adapter for {@link JobStore}. Every state change is one conditional write on one item
 * (no transactions), so it behaves the same on AWS, moto and dynalite, and two pollers racing on
 * a job can never both record a transition.
 *
 * A stored item it cannot read is a `MalformedItemError` from `get` and the writes. `dueJobs` and
 * `list` log it at error level (job id and attribute) and go on with the other jobs: one bad item
 * must not stop every tick. It stays due, so the log line comes back each tick until it is fixed.
 */
export class DynamoDbJobStore implements JobStore {
  private readonly due: DueIndexReader;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly log: Log,
  ) {
    this.due = new DueIndexReader(client, tableName, log);
  }

  async track(job: NewTrackedJob): Promise<TrackedJob> {
    const tracked = newTrackedJob(job);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: encodeJobItem(tracked),
          ConditionExpression: CONDITIONS.itemIsNew,
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new JobAlreadyTrackedError(job.jobId);
      throw asAwsCallError(SERVICE, error);
    }
    return tracked;
  }

  async get(jobId: string, options?: CallOptions): Promise<TrackedJob | null> {
    let item: Item | undefined;
    try {
      ({ Item: item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: jobKey(jobId), ConsistentRead: true }),
        sendOptions(options),
      ));
    } catch (error) {
      throw asAwsCallError(SERVICE, error, options?.signal);
    }
    return item ? decodeJobItem(item) : null;
  }

  async *list(filter: { status?: JobStatus } = {}): AsyncIterable<TrackedJob> {
    const pages = paginateScan(
      { client: this.client },
      {
        TableName: this.tableName,
        FilterExpression: filter.status ? 'entity = :job AND #status = :status' : 'entity = :job',
        ExpressionAttributeValues: {
          ':job': ItemEntity.Job,
          ...(filter.status ? { ':status': filter.status } : {}),
        },
        ...(filter.status ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
      },
    );
    for await (const page of pages) yield* this.readableJobs(page.Items ?? []);
  }

  async *dueJobs(now: string, pageSize: number, options?: CallOptions): AsyncIterable<TrackedJob[]> {
    yield* this.due.dueIn(OWED, now, pageSize, options);
    yield* this.due.dueIn(WATCHED, now, pageSize, options);
  }

  async *dueNotifications(now: string, pageSize: number, options?: CallOptions): AsyncIterable<TrackedJob[]> {
    yield* this.due.dueIn(OWED, now, pageSize, options);
  }

  async applyUpdate(job: TrackedJob, update: JobUpdate, options?: CallOptions): Promise<TrackedJob> {
    const builder = new UpdateBuilder()
      .set('status', update.status)
      .set('last_checked_at', update.lastCheckedAt)
      .set('consecutive_errors', update.consecutiveErrors)
      .set('consecutive_not_found', update.consecutiveNotFound)
      .set('last_error', update.lastError)
      .set('version', job.version + 1);
    // An untracked job stays out of the due index (a hint may still check it), unless a
    // notification is owed: that one is still delivered, and settling it removes the job as usual.
    if (job.untrackedAt !== null && !job.notificationOwed && !update.notificationOwed) {
      builder.remove('watch_queue').remove('next_check_at');
    } else {
      const owes = (update.notificationOwed ?? job.notificationOwed) !== null;
      builder.set('next_check_at', update.nextCheckAt).set('watch_queue', watchQueueFor(owes));
    }
    if (update.snapshot) builder.set('snapshot', update.snapshot);
    if (update.appendHistory) appendHistory(builder, job, update.appendHistory);
    if (update.notificationOwed) {
      builder.set('notification_owed', encodeOwedNotification(update.notificationOwed));
    }
    if (update.anomaly) {
      builder
        .set('anomalies', [...job.anomalies, update.anomaly].slice(-MAX_ANOMALIES_KEPT))
        .set('anomaly_count', job.anomalyCount + 1);
    }
    if (update.expiresAt !== undefined) builder.set(JOBS_TABLE.timeToLiveAttribute, update.expiresAt);
    return this.conditionalUpdate(
      job.jobId,
      builder,
      CONDITIONS.versionUnchanged,
      { ':expectedVersion': job.version },
      options,
    );
  }

  async claimOwedNotification(
    job: TrackedJob,
    leaseUntil: string,
    options?: CallOptions,
  ): Promise<TrackedJob> {
    // Setting the queue moves an item owed since before the `owed` partition existed into it.
    const builder = new UpdateBuilder()
      .set('next_check_at', leaseUntil)
      .set('watch_queue', OWED)
      .set('version', job.version + 1);
    return this.conditionalUpdate(
      job.jobId,
      builder,
      `${CONDITIONS.versionUnchanged} AND ${CONDITIONS.notificationStillOwed}`,
      { ':expectedVersion': job.version, ':eventId': job.notificationOwed?.eventId ?? '' },
      options,
    );
  }

  async settleOwedNotification(
    job: TrackedJob,
    receipt: NotificationReceipt,
    options?: CallOptions,
  ): Promise<void> {
    const builder = new UpdateBuilder()
      .set('last_notification', encodeNotificationReceipt(receipt))
      .setExpression('version', '#version + :one', { ':one': 1 })
      .remove('notification_owed')
      // Leaving the sparse index is what stops the job from being polled.
      .remove('watch_queue')
      .remove('next_check_at');
    await this.conditionalUpdate(
      job.jobId,
      builder,
      CONDITIONS.notificationStillOwed,
      { ':eventId': receipt.eventId },
      options,
    );
  }

  async releaseOwedNotification(
    job: TrackedJob,
    release: OwedNotificationRelease,
    options?: CallOptions,
  ): Promise<void> {
    const builder = new UpdateBuilder()
      .setNested('notification_owed', 'delivered_channels', release.deliveredChannels)
      .set('next_check_at', release.dueAt)
      .set('version', job.version + 1);
    // The version proves this tick still holds the lease: one taken over meanwhile stays taken.
    await this.conditionalUpdate(
      job.jobId,
      builder,
      `${CONDITIONS.versionUnchanged} AND ${CONDITIONS.notificationStillOwed}`,
      { ':expectedVersion': job.version, ':eventId': release.eventId },
      options,
    );
  }

  /** The jobs among `items` that can be read; each one that cannot is logged and left out. */
  private readableJobs(items: Item[]): TrackedJob[] {
    return readableItems(items, decodeJobItem, this.log);
  }

  private async conditionalUpdate(
    jobId: string,
    builder: UpdateBuilder,
    condition: string,
    conditionValues: Record<string, unknown>,
    options?: CallOptions,
  ): Promise<TrackedJob> {
    let attributes: Item | undefined;
    try {
      ({ Attributes: attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(jobId),
          UpdateExpression: builder.expression(),
          ConditionExpression: condition,
          ExpressionAttributeNames: builder.names,
          ExpressionAttributeValues: { ...builder.values, ...conditionValues },
          ReturnValues: 'ALL_NEW',
        }),
        sendOptions(options),
      ));
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new ConcurrentUpdateError(jobKey(jobId).pk, condition, { cause: error });
      }
      throw asAwsCallError(SERVICE, error, options?.signal);
    }
    // The write stands; an item that cannot be read back fails the caller loudly.
    return decodeJobItem(attributes ?? jobKey(jobId));
  }
}

/**
 * Appends a history entry. While the history is short (always, in practice) the entry is
 * appended in place; once it would pass `MAX_HISTORY_KEPT`, the oldest entries are dropped and
 * counted in `history_trimmed`, so the item stays bounded and the loss is visible. Both are safe
 * because the write is conditional on the version `job` was read at.
 */
function appendHistory(builder: UpdateBuilder, job: TrackedJob, entry: HistoryEntry): void {
  if (job.history.length < MAX_HISTORY_KEPT) {
    builder.setExpression('history', 'list_append(if_not_exists(#history, :emptyList), :newHistory)', {
      ':emptyList': [],
      ':newHistory': [entry],
    });
    return;
  }
  const { history, historyTrimmed } = historyWith(job, entry, MAX_HISTORY_KEPT);
  builder.set('history', history).set('history_trimmed', historyTrimmed);
}
