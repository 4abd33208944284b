import { ConditionalCheckFailedException, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  paginateQuery,
  paginateScan,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { JOBS_TABLE } from '../../contract.js';
import type { JobUpdate } from '../domain/check-decision.js';
import {
  ConcurrentUpdateError,
  isAccessProblem,
  isStatusApiErrorKind,
  JobAlreadyTrackedError,
} from '../domain/errors.js';
import type {
  Anomaly,
  HistoryEntry,
  JobSnapshot,
  LastError,
  NotificationReceipt,
  OwedNotification,
  TrackedJob,
} from '../domain/job.js';
import { isJobStatus, JobStatus } from '../domain/job-status.js';
import type { AccessIncident } from '../domain/notification.js';
import { isNotificationChannel, type NotificationChannel } from '../domain/notification-channel.js';
import type { OwedAlert, WatcherState, WatcherStateFields } from '../domain/watcher-state.js';
import { INITIAL_WATCHER_STATE } from '../domain/watcher-state.js';
import type { JobStore, NewTrackedJob, WatcherStateStore } from '../ports.js';

/** The single `watch_queue` value. One index partition holds every watched job (see docs/ARCHITECTURE.md). */
const WATCHED = 'watched';
const JOB_KEY_PREFIX = 'JOB#';
const WATCHER_STATE_KEY = 'WATCHER#state';
/** Anomalies kept on an item; older ones are dropped (the count keeps growing). */
const MAX_ANOMALIES_KEPT = 10;

/**
 * Named condition fragments. Each state change is guarded by exactly one of them, so a lost
 * race surfaces as `ConcurrentUpdateError` naming the condition, never as a silent overwrite.
 */
const CONDITIONS = {
  jobIsNew: 'attribute_not_exists(pk)',
  versionUnchanged: 'version = :expectedVersion',
  notificationStillOwed: 'notification_owed.event_id = :eventId',
} as const;

/** CreateTable input matching {@link JOBS_TABLE}, for the local run and tests (the stack uses CDK). */
export function jobsTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: JOBS_TABLE.partitionKey, AttributeType: 'S' },
      { AttributeName: JOBS_TABLE.dueIndex.partitionKey, AttributeType: 'S' },
      { AttributeName: JOBS_TABLE.dueIndex.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: JOBS_TABLE.partitionKey, KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: JOBS_TABLE.dueIndex.name,
        KeySchema: [
          { AttributeName: JOBS_TABLE.dueIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: JOBS_TABLE.dueIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

type Item = Record<string, unknown>;

function jobKey(jobId: string): { pk: string } {
  return { pk: `${JOB_KEY_PREFIX}${jobId}` };
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function owedToItem(owed: OwedNotification): Item {
  return {
    event_id: owed.eventId,
    status: owed.status,
    previous_status: owed.previousStatus,
    detected_at: owed.detectedAt,
    delivered_channels: owed.deliveredChannels,
  };
}

function channelsFromItem(value: unknown): NotificationChannel[] {
  return Array.isArray(value) ? value.filter(isNotificationChannel) : [];
}

function receiptFromItem(value: unknown): NotificationReceipt | null {
  if (!value || typeof value !== 'object') return null;
  const item = value as Item;
  const ids = (item.message_ids ?? {}) as Record<string, unknown>;
  const messageIds: NotificationReceipt['messageIds'] = {};
  for (const [channel, id] of Object.entries(ids)) {
    if (isNotificationChannel(channel) && typeof id === 'string') messageIds[channel] = id;
  }
  return { eventId: text(item.event_id) ?? '', publishedAt: text(item.published_at) ?? '', messageIds };
}

function owedFromItem(value: unknown): OwedNotification | null {
  if (!value || typeof value !== 'object') return null;
  const item = value as Item;
  const status = text(item.status);
  const previous = text(item.previous_status);
  const eventId = text(item.event_id);
  if (!eventId || !status || !previous || !isJobStatus(status) || !isJobStatus(previous)) return null;
  return {
    eventId,
    status,
    previousStatus: previous,
    detectedAt: text(item.detected_at) ?? '',
    deliveredChannels: channelsFromItem(item.delivered_channels),
  };
}

/** Maps a stored item back to the domain. Tolerant of missing attributes written by older versions. */
export function jobFromItem(item: Item): TrackedJob {
  const status = text(item.status) ?? JobStatus.Pending;
  return {
    jobId: text(item.job_id) ?? String(item.pk).slice(JOB_KEY_PREFIX.length),
    status: isJobStatus(status) ? status : JobStatus.Pending,
    label: text(item.label),
    metadata: (item.metadata as Record<string, string> | undefined) ?? {},
    trackedAt: text(item.tracked_at) ?? '',
    lastCheckedAt: text(item.last_checked_at),
    nextCheckAt: text(item.next_check_at),
    consecutiveErrors: count(item.consecutive_errors),
    consecutiveNotFound: count(item.consecutive_not_found),
    lastError: (item.last_error as LastError | null | undefined) ?? null,
    snapshot: (item.snapshot as JobSnapshot | null | undefined) ?? null,
    history: (item.history as HistoryEntry[] | undefined) ?? [],
    notificationOwed: owedFromItem(item.notification_owed),
    lastNotification: receiptFromItem(item.last_notification),
    anomalyCount: count(item.anomaly_count),
    anomalies: (item.anomalies as Anomaly[] | undefined) ?? [],
    version: count(item.version),
  };
}

function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === 'ConditionalCheckFailedException')
  );
}

/** Builds an UpdateExpression from named SET/REMOVE parts, with placeholder names for every attribute. */
class UpdateBuilder {
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};

  set(attribute: string, value: unknown): this {
    this.names[`#${attribute}`] = attribute;
    this.values[`:${attribute}`] = value;
    this.sets.push(`#${attribute} = :${attribute}`);
    return this;
  }

  setExpression(attribute: string, expression: string, values: Record<string, unknown>): this {
    this.names[`#${attribute}`] = attribute;
    Object.assign(this.values, values);
    this.sets.push(`#${attribute} = ${expression}`);
    return this;
  }

  /** SET parent.child = value, for one field of a map attribute. */
  setNested(parent: string, child: string, value: unknown): this {
    this.names[`#${parent}`] = parent;
    this.names[`#${child}`] = child;
    this.values[`:${parent}_${child}`] = value;
    this.sets.push(`#${parent}.#${child} = :${parent}_${child}`);
    return this;
  }

  remove(attribute: string): this {
    this.names[`#${attribute}`] = attribute;
    this.removes.push(`#${attribute}`);
    return this;
  }

  expression(): string {
    return [
      this.sets.length > 0 ? `SET ${this.sets.join(', ')}` : '',
      this.removes.length > 0 ? `REMOVE ${this.removes.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' ');
  }
}

/**
 * DynamoDB adapter for {@link JobStore} and {@link WatcherStateStore}. Every state change is one
 * conditional write on one item (no transactions), so it behaves the same on AWS, moto and
 * dynalite, and two pollers racing on a job can never both record a transition.
 */
export class DynamoDbJobStore implements JobStore, WatcherStateStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async track(job: NewTrackedJob): Promise<TrackedJob> {
    const item: Item = {
      ...jobKey(job.jobId),
      entity: 'job',
      job_id: job.jobId,
      status: JobStatus.Pending,
      label: job.label,
      metadata: job.metadata,
      tracked_at: job.trackedAt,
      last_checked_at: null,
      // Due at once: the first check happens on the next tick.
      next_check_at: job.trackedAt,
      watch_queue: WATCHED,
      consecutive_errors: 0,
      consecutive_not_found: 0,
      last_error: null,
      snapshot: null,
      history: [],
      notification_owed: null,
      last_notification: null,
      anomaly_count: 0,
      anomalies: [],
      version: 1,
    };
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: CONDITIONS.jobIsNew }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new JobAlreadyTrackedError(job.jobId);
      throw error;
    }
    return jobFromItem(item);
  }

  async get(jobId: string): Promise<TrackedJob | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: jobKey(jobId), ConsistentRead: true }),
    );
    return Item ? jobFromItem(Item) : null;
  }

  async *list(filter: { status?: JobStatus } = {}): AsyncIterable<TrackedJob> {
    const pages = paginateScan(
      { client: this.client },
      {
        TableName: this.tableName,
        FilterExpression: filter.status ? 'entity = :job AND #status = :status' : 'entity = :job',
        ExpressionAttributeValues: { ':job': 'job', ...(filter.status ? { ':status': filter.status } : {}) },
        ...(filter.status ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) yield jobFromItem(item);
    }
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
      const jobs = (page.Items ?? []).map(jobFromItem);
      if (jobs.length > 0) yield jobs;
    }
  }

  async applyUpdate(job: TrackedJob, update: JobUpdate): Promise<TrackedJob> {
    const builder = new UpdateBuilder()
      .set('status', update.status)
      .set('last_checked_at', update.lastCheckedAt)
      .set('next_check_at', update.nextCheckAt)
      .set('watch_queue', WATCHED)
      .set('consecutive_errors', update.consecutiveErrors)
      .set('consecutive_not_found', update.consecutiveNotFound)
      .set('last_error', update.lastError)
      .set('version', job.version + 1);
    if (update.snapshot) builder.set('snapshot', update.snapshot);
    if (update.appendHistory) {
      builder.setExpression('history', 'list_append(if_not_exists(#history, :emptyList), :newHistory)', {
        ':emptyList': [],
        ':newHistory': [update.appendHistory],
      });
    }
    if (update.notificationOwed) builder.set('notification_owed', owedToItem(update.notificationOwed));
    if (update.anomaly) {
      builder
        .set('anomalies', [...job.anomalies, update.anomaly].slice(-MAX_ANOMALIES_KEPT))
        .set('anomaly_count', job.anomalyCount + 1);
    }
    if (update.expiresAt !== undefined) builder.set('expires_at', update.expiresAt);
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
      .set('last_notification', {
        event_id: receipt.eventId,
        message_ids: receipt.messageIds,
        published_at: receipt.publishedAt,
      })
      .setExpression('version', '#version + :one', { ':one': 1 })
      .remove('notification_owed')
      // Leaving the sparse index is what stops the job from being polled.
      .remove('watch_queue')
      .remove('next_check_at');
    await this.conditionalUpdate(job.jobId, builder, CONDITIONS.notificationStillOwed, {
      ':eventId': receipt.eventId,
    });
  }

  async recordDeliveredChannels(
    job: TrackedJob,
    eventId: string,
    channels: NotificationChannel[],
  ): Promise<void> {
    const builder = new UpdateBuilder()
      .setNested('notification_owed', 'delivered_channels', channels)
      .setExpression('version', '#version + :one', { ':one': 1 });
    await this.conditionalUpdate(job.jobId, builder, CONDITIONS.notificationStillOwed, {
      ':eventId': eventId,
    });
  }

  async getWatcherState(): Promise<WatcherState> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: WATCHER_STATE_KEY }, ConsistentRead: true }),
    );
    if (!Item) return INITIAL_WATCHER_STATE;
    return {
      accessIncident: incidentFromItem(Item.access_incident),
      alertOwed: alertFromItem(Item.alert_owed),
      throttledUntil: text(Item.throttled_until),
      throttleStreak: count(Item.throttle_streak),
      version: count(Item.version),
    };
  }

  async saveWatcherState(current: WatcherState, next: WatcherStateFields): Promise<WatcherState> {
    const version = current.version + 1;
    const item: Item = {
      pk: WATCHER_STATE_KEY,
      entity: 'watcher_state',
      access_incident: next.accessIncident
        ? { kind: next.accessIncident.kind, opened_at: next.accessIncident.openedAt }
        : null,
      alert_owed: next.alertOwed
        ? {
            phase: next.alertOwed.phase,
            kind: next.alertOwed.incident.kind,
            opened_at: next.alertOwed.incident.openedAt,
            detected_at: next.alertOwed.detectedAt,
            retry_at: next.alertOwed.retryAt,
            delivered_channels: next.alertOwed.deliveredChannels,
          }
        : null,
      throttled_until: next.throttledUntil,
      throttle_streak: next.throttleStreak,
      version,
    };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: current.version === 0 ? CONDITIONS.jobIsNew : CONDITIONS.versionUnchanged,
          ...(current.version === 0
            ? {}
            : { ExpressionAttributeValues: { ':expectedVersion': current.version } }),
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new ConcurrentUpdateError(WATCHER_STATE_KEY, CONDITIONS.versionUnchanged, { cause: error });
      }
      throw error;
    }
    return { ...next, version };
  }

  private async conditionalUpdate(
    jobId: string,
    builder: UpdateBuilder,
    condition: string,
    conditionValues: Record<string, unknown>,
  ): Promise<TrackedJob> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(jobId),
          UpdateExpression: builder.expression(),
          ConditionExpression: condition,
          ExpressionAttributeNames: builder.names,
          ExpressionAttributeValues: { ...builder.values, ...conditionValues },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return jobFromItem(Attributes ?? {});
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new ConcurrentUpdateError(jobKey(jobId).pk, condition, { cause: error });
      }
      throw error;
    }
  }
}

function incidentFromItem(value: unknown): AccessIncident | null {
  if (!value || typeof value !== 'object') return null;
  const item = value as Item;
  const kind = text(item.kind);
  if (!kind || !isStatusApiErrorKind(kind) || !isAccessProblem(kind)) return null;
  return { kind, openedAt: text(item.opened_at) ?? '' };
}

function alertFromItem(value: unknown): OwedAlert | null {
  const incident = incidentFromItem(value);
  if (!incident || !value) return null;
  const item = value as Item;
  const phase = item.phase === 'recovered' ? 'recovered' : 'opened';
  return {
    phase,
    incident,
    detectedAt: text(item.detected_at) ?? '',
    retryAt: text(item.retry_at) ?? '',
    deliveredChannels: channelsFromItem(item.delivered_channels),
  };
}
