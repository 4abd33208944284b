import {
  GetCommand,
  PutCommand,
  paginateQuery,
  paginateScan,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { JOBS_TABLE } from '../../../contract.js';
import type { JobUpdate } from '../../domain/check-decision.js';
import { ConcurrentUpdateError, JobAlreadyTrackedError } from '../../domain/errors.js';
import type { NotificationReceipt, TrackedJob } from '../../domain/job.js';
import type { JobStatus } from '../../domain/job-status.js';
import type { JobStore, Log, NewTrackedJob, OwedNotificationRelease } from '../../ports.js';
import {
  decodeJobItem,
  encodeJobItem,
  encodeNotificationReceipt,
  encodeOwedNotification,
  newTrackedJob,
  readableItems,
} from './job-item.js';
import { ItemEntity, jobKey, WATCHED, type Item } from './table.js';
import { CONDITIONS, isConditionFailure, UpdateBuilder } from './update-builder.js';

/** Anomalies kept on an item; older ones are dropped (the count keeps growing). */
const MAX_ANOMALIES_KEPT = 10;

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
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly log: Log,
  ) {}

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
      throw error;
    }
    return tracked;
  }

  async get(jobId: string): Promise<TrackedJob | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: jobKey(jobId), ConsistentRead: true }),
    );
    return Item ? decodeJobItem(Item) : null;
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

  async *dueJobs(now: string, pageSize: number): AsyncIterable<TrackedJob[]> {
    const pages = paginateQuery(
      { client: this.client, pageSize },
      {
        TableName: this.tableName,
        IndexName: JOBS_TABLE.dueIndex.name,
        KeyConditionExpression: '#queue = :watched AND #next <= :now',
        ExpressionAttributeNames: {
          '#queue': JOBS_TABLE.dueIndex.partitionKey,
          '#next': JOBS_TABLE.dueIndex.sortKey,
        },
        ExpressionAttributeValues: { ':watched': WATCHED, ':now': now },
      },
    );
    for await (const page of pages) {
      const jobs = this.readableJobs(page.Items ?? []);
      if (jobs.length > 0) yield jobs;
    }
  }

  async applyUpdate(job: TrackedJob, update: JobUpdate): Promise<TrackedJob> {
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
      builder.set('next_check_at', update.nextCheckAt).set('watch_queue', WATCHED);
    }
    if (update.snapshot) builder.set('snapshot', update.snapshot);
    if (update.appendHistory) {
      builder.setExpression('history', 'list_append(if_not_exists(#history, :emptyList), :newHistory)', {
        ':emptyList': [],
        ':newHistory': [update.appendHistory],
      });
    }
    if (update.notificationOwed) {
      builder.set('notification_owed', encodeOwedNotification(update.notificationOwed));
    }
    if (update.anomaly) {
      builder
        .set('anomalies', [...job.anomalies, update.anomaly].slice(-MAX_ANOMALIES_KEPT))
        .set('anomaly_count', job.anomalyCount + 1);
    }
    if (update.expiresAt !== undefined) builder.set(JOBS_TABLE.timeToLiveAttribute, update.expiresAt);
    return this.conditionalUpdate(job.jobId, builder, CONDITIONS.versionUnchanged, {
      ':expectedVersion': job.version,
    });
  }

  async claimOwedNotification(job: TrackedJob, leaseUntil: string): Promise<TrackedJob> {
    const builder = new UpdateBuilder().set('next_check_at', leaseUntil).set('version', job.version + 1);
    return this.conditionalUpdate(
      job.jobId,
      builder,
      `${CONDITIONS.versionUnchanged} AND ${CONDITIONS.notificationStillOwed}`,
      { ':expectedVersion': job.version, ':eventId': job.notificationOwed?.eventId ?? '' },
    );
  }

  async settleOwedNotification(job: TrackedJob, receipt: NotificationReceipt): Promise<void> {
    const builder = new UpdateBuilder()
      .set('last_notification', encodeNotificationReceipt(receipt))
      .setExpression('version', '#version + :one', { ':one': 1 })
      .remove('notification_owed')
      // Leaving the sparse index is what stops the job from being polled.
      .remove('watch_queue')
      .remove('next_check_at');
    await this.conditionalUpdate(job.jobId, builder, CONDITIONS.notificationStillOwed, {
      ':eventId': receipt.eventId,
    });
  }

  async releaseOwedNotification(job: TrackedJob, release: OwedNotificationRelease): Promise<void> {
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
      ));
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new ConcurrentUpdateError(jobKey(jobId).pk, condition, { cause: error });
      }
      throw error;
    }
    // The write stands; an item that cannot be read back fails the caller loudly.
    return decodeJobItem(attributes ?? jobKey(jobId));
  }
}
