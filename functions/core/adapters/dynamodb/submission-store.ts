import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { JOBS_TABLE } from '../../../contract.js';
import { ConcurrentUpdateError } from '../../domain/errors.js';
import type { Clock, SubmissionLookup, SubmissionRecord, SubmissionStore } from '../../ports.js';
import { decodeItem, nullableText } from './item-codec.js';
import { ItemEntity, SUBMISSION_KEY_PREFIX, type Item } from './table.js';
import { CONDITIONS, isConditionFailure } from './update-builder.js';

/** How long a submission is remembered: retries of one submit come within minutes, not days. */
export const SUBMISSION_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * A submission's state as stored. `released` (creation failed, the key was given up) is this
 * adapter's own: to the port, a released key is simply free, and the next reserve takes it.
 */
const SubmissionState = {
  InProgress: 'in_progress',
  Created: 'created',
  Released: 'released',
} as const;

/** Reservation races (a key released or expiring between a refused write and the read) settle within a few tries. */
const MAX_RESERVE_ATTEMPTS = 3;

/** The item key for an Idempotency-Key: hashed, so any key a caller sends fits and reveals nothing in the key. */
export function submissionKey(idempotencyKey: string): { pk: string } {
  return { pk: `${SUBMISSION_KEY_PREFIX}${createHash('sha256').update(idempotencyKey).digest('hex')}` };
}

const submissionItem = z.object({
  pk: z.string().check(z.startsWith(SUBMISSION_KEY_PREFIX)),
  idempotency_key: z.string(),
  request_hash: z.string(),
  state: z.enum(SubmissionState),
  job_id: nullableText,
  response: z.pipe(
    z.nullish(z.record(z.string(), z.unknown())),
    z.transform((value: Record<string, unknown> | null | undefined) => value ?? null),
  ),
  lease_until: z.string(),
});

type StoredSubmission = z.infer<typeof submissionItem>;

function toRecord(item: StoredSubmission & { state: SubmissionRecord['state'] }): SubmissionRecord {
  return {
    idempotencyKey: item.idempotency_key,
    requestHash: item.request_hash,
    state: item.state,
    jobId: item.job_id,
    response: item.response,
    leaseUntil: item.lease_until,
  };
}

// `state` is a DynamoDB reserved word.
const STATE_NAMES = { '#state': 'state' };
const STATE_VALUES = {
  ':inProgress': SubmissionState.InProgress,
  ':released': SubmissionState.Released,
};

/**
 * DynamoDB adapter for {@link SubmissionStore}: one item per Idempotency-Key in the jobs table
 * (`entity = "submission"`, no `tracked_at`, so it never shows in the job listing), expiring a
 * day after its last write. Single-item conditional writes only, so it runs on AWS, moto and
 * dynalite alike; the role needs no DeleteItem (releasing is an update).
 */
export class DynamoDbSubmissionStore implements SubmissionStore, SubmissionLookup {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock = { now: () => new Date() },
  ) {}

  async reserve(
    record: Omit<SubmissionRecord, 'state' | 'jobId' | 'response'>,
  ): Promise<SubmissionRecord | null> {
    for (let attempt = 0; attempt < MAX_RESERVE_ATTEMPTS; attempt += 1) {
      const now = this.clock.now();
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...submissionKey(record.idempotencyKey),
              entity: ItemEntity.Submission,
              idempotency_key: record.idempotencyKey,
              request_hash: record.requestHash,
              state: SubmissionState.InProgress,
              job_id: null,
              response: null,
              lease_until: record.leaseUntil,
              [JOBS_TABLE.timeToLiveAttribute]: this.expiresAt(now),
            },
            // Free, given up, or abandoned by a caller whose lease ran out.
            ConditionExpression: CONDITIONS.submissionReservable,
            ExpressionAttributeNames: STATE_NAMES,
            ExpressionAttributeValues: { ...STATE_VALUES, ':now': now.toISOString() },
          }),
        );
        return null;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const existing = await this.read(record.idempotencyKey);
      if (existing && existing.state !== SubmissionState.Released) {
        return toRecord({ ...existing, state: existing.state });
      }
    }
    throw new ConcurrentUpdateError(submissionKey(record.idempotencyKey).pk, CONDITIONS.submissionReservable);
  }

  async complete(idempotencyKey: string, jobId: string, response: Record<string, unknown>): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: submissionKey(idempotencyKey),
          UpdateExpression:
            'SET #state = :created, job_id = :jobId, #response = :response, #expires = :expires',
          ConditionExpression: CONDITIONS.submissionInProgress,
          ExpressionAttributeNames: {
            ...STATE_NAMES,
            '#response': 'response',
            '#expires': JOBS_TABLE.timeToLiveAttribute,
          },
          ExpressionAttributeValues: {
            ':inProgress': SubmissionState.InProgress,
            ':created': SubmissionState.Created,
            ':jobId': jobId,
            ':response': response,
            ':expires': this.expiresAt(this.clock.now()),
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // A retried complete of the same job is done already; anything else lost the key.
      const existing = await this.read(idempotencyKey);
      if (existing?.state === SubmissionState.Created && existing.job_id === jobId) return;
      throw new ConcurrentUpdateError(submissionKey(idempotencyKey).pk, CONDITIONS.submissionInProgress, {
        cause: error,
      });
    }
  }

  async release(idempotencyKey: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: submissionKey(idempotencyKey),
          UpdateExpression: 'SET #state = :released',
          ConditionExpression: CONDITIONS.submissionInProgress,
          ExpressionAttributeNames: STATE_NAMES,
          ExpressionAttributeValues: STATE_VALUES,
        }),
      );
    } catch (error) {
      // Nothing in progress to give up (never reserved, expired, released or created): nothing to do.
      if (!isConditionFailure(error)) throw error;
    }
  }

  async find(idempotencyKey: string): Promise<SubmissionRecord | null> {
    const existing = await this.read(idempotencyKey);
    if (!existing || existing.state === SubmissionState.Released) return null;
    return toRecord({ ...existing, state: existing.state });
  }

  private async read(idempotencyKey: string): Promise<StoredSubmission | null> {
    const key = submissionKey(idempotencyKey);
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return Item ? decodeItem(submissionItem, Item as Item, key.pk) : null;
  }

  private expiresAt(now: Date): number {
    return Math.floor((now.getTime() + SUBMISSION_RETENTION_MS) / 1000);
  }
}
