import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { JOBS_TABLE } from '../../../contract.js';
import { ConcurrentUpdateError, JobNotTrackedError, ValidationError } from '../../domain/errors.js';
import type { TrackedJob } from '../../domain/job.js';
import type { JobCatalog, JobListQuery, JobPage, Log } from '../../ports.js';
import { decodeJobItem, decodeJobSummaryItem, readableItems } from './job-item.js';
import { decodeListCursor, encodeListCursor } from './list-cursor.js';
import { ItemEntity, jobKey, type Item } from './table.js';
import { CONDITIONS, isConditionFailure, UpdateBuilder } from './update-builder.js';

/** `GET /jobs?limit=` bounds. */
export const LIST_LIMIT = { min: 1, max: 100 } as const;

/**
 * Untracking retries when the job changes between its conditional write and the read that
 * explains a refusal (an owed notification appearing or being settled): each change is one tick's
 * work, so a few attempts always see a settled state.
 */
const MAX_UNTRACK_ATTEMPTS = 3;

/**
 * DynamoDB adapter for {@link JobCatalog}, on the same table as the job store: listing from the
 * narrow listing indexes (a Query per page, never a scan), untracking and webhook hint claims as
 * single conditional writes on the job's item.
 */
export class DynamoDbJobCatalog implements JobCatalog {
  /**
   * @param retentionMs How long an untracked job's item (and history) is kept before its TTL
   *   deletes it; null keeps it (`JOB_RETENTION_DAYS=0`).
   */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly log: Log,
    private readonly retentionMs: number | null,
  ) {}

  async listPage(query: JobListQuery): Promise<JobPage> {
    const { limit, status } = query;
    if (!Number.isInteger(limit) || limit < LIST_LIMIT.min || limit > LIST_LIMIT.max) {
      throw new ValidationError(`limit must be a whole number from ${LIST_LIMIT.min} to ${LIST_LIMIT.max}`);
    }
    const index = status ? JOBS_TABLE.statusIndex : JOBS_TABLE.listIndex;
    const partition = status ?? ItemEntity.Job;
    const queryId = status ? `status:${status}` : 'all';
    const start = query.cursor === null ? null : decodeListCursor(queryId, query.cursor);
    let startKey: Item | undefined = start
      ? { pk: start.pk, [index.sortKey]: start.trackedAt, [index.partitionKey]: partition }
      : undefined;
    // One row more than asked: whether it exists says if there is a next page, so the last page
    // has no cursor (a bare LastEvaluatedKey would promise a page that may be empty).
    const rows: Item[] = [];
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index.name,
          KeyConditionExpression: '#partition = :partition',
          ExpressionAttributeNames: { '#partition': index.partitionKey },
          ExpressionAttributeValues: { ':partition': partition },
          ScanIndexForward: false,
          Limit: limit + 1 - rows.length,
          ExclusiveStartKey: startKey,
        }),
      );
      rows.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey && rows.length <= limit);

    const shown = rows.slice(0, limit);
    const last = shown.at(-1);
    const nextCursor =
      rows.length > limit && last
        ? encodeListCursor(queryId, { pk: String(last.pk), trackedAt: String(last[index.sortKey]) })
        : null;
    return { jobs: readableItems(shown, decodeJobSummaryItem, this.log), nextCursor };
  }

  async untrack(jobId: string, at: string): Promise<TrackedJob> {
    if (!Number.isFinite(Date.parse(at))) throw new ValidationError('at must be an ISO-8601 time');
    for (let attempt = 0; attempt < MAX_UNTRACK_ATTEMPTS; attempt += 1) {
      // The usual case, one write: nothing owed, so the job leaves the due index now.
      const untracked = await this.markUntracked(jobId, at, null);
      if (untracked) return untracked;
      const job = await this.read(jobId);
      if (job.untrackedAt !== null) return job;
      if (job.notificationOwed) {
        // Stays in the due index until the owed notification is delivered and settled.
        const owing = await this.markUntracked(jobId, at, job.notificationOwed.eventId);
        if (owing) return owing;
      }
    }
    throw new ConcurrentUpdateError(jobKey(jobId).pk, CONDITIONS.stillTracked);
  }

  async claimHintCheck(jobId: string, now: string, windowMs: number): Promise<boolean> {
    const nowMs = Date.parse(now);
    if (!Number.isFinite(nowMs)) throw new ValidationError('now must be an ISO-8601 time');
    if (!Number.isFinite(windowMs) || windowMs < 0) throw new ValidationError('windowMs must be 0 or more');
    // Stored and compared as toISOString() text, which sorts as time does.
    const windowStart = new Date(nowMs - windowMs).toISOString();
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(jobId),
          UpdateExpression: 'SET hint_checked_at = :now',
          ConditionExpression: `${CONDITIONS.itemExists} AND ${CONDITIONS.hintWindowOver}`,
          ExpressionAttributeValues: { ':now': new Date(nowMs).toISOString(), ':windowStart': windowStart },
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    // dynalite ignores ReturnValuesOnConditionCheckFailure: a read tells "claimed" from "unknown".
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: jobKey(jobId),
        ProjectionExpression: 'pk',
        ConsistentRead: true,
      }),
    );
    if (!Item) throw new JobNotTrackedError(jobId);
    return false;
  }

  private async read(jobId: string): Promise<TrackedJob> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: jobKey(jobId), ConsistentRead: true }),
    );
    if (!Item) throw new JobNotTrackedError(jobId);
    return decodeJobItem(Item);
  }

  /**
   * Marks the job untracked if it is still tracked. With `owedEventId` null only when it owes
   * nothing, and it leaves the due index; otherwise only while that notification is owed, and it
   * stays there. The version moves on either way, so a tick that read the job before cannot
   * write it back into the due index. Null when the condition refused the write.
   */
  private async markUntracked(
    jobId: string,
    at: string,
    owedEventId: string | null,
  ): Promise<TrackedJob | null> {
    const builder = new UpdateBuilder()
      .set('untracked_at', at)
      .setExpression('version', '#version + :one', { ':one': 1 });
    if (this.retentionMs !== null) {
      builder.set(JOBS_TABLE.timeToLiveAttribute, Math.floor((Date.parse(at) + this.retentionMs) / 1000));
    }
    if (owedEventId === null) builder.remove('watch_queue').remove('next_check_at');
    const owed = owedEventId === null ? CONDITIONS.noNotificationOwed : CONDITIONS.notificationStillOwed;
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(jobId),
          UpdateExpression: builder.expression(),
          ConditionExpression: `${CONDITIONS.itemExists} AND ${CONDITIONS.stillTracked} AND ${owed}`,
          ExpressionAttributeNames: builder.names,
          ExpressionAttributeValues: {
            ...builder.values,
            ...(owedEventId === null ? {} : { ':eventId': owedEventId }),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return decodeJobItem(Attributes ?? jobKey(jobId));
    } catch (error) {
      if (isConditionFailure(error)) return null;
      throw error;
    }
  }
}
