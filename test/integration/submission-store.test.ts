import { createHash } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbJobCatalog } from '../../functions/core/adapters/dynamodb/job-catalog.js';
import { DynamoDbJobStore } from '../../functions/core/adapters/dynamodb/job-store.js';
import { DynamoDbSubmissionStore } from '../../functions/core/adapters/dynamodb/submission-store.js';
import { ConcurrentUpdateError, MalformedItemError } from '../../functions/core/domain/errors.js';
import { documentClient } from '../../functions/core/wiring.js';
import { startDynalite } from '../support/dynalite.js';
import { createJobsTable, dynamoDbClientFor } from '../support/emulators.js';
import { FakeClock } from '../support/fake-clock.js';
import { DYNAMODB_BACKENDS, type DynamoDbBackend } from '../support/dynamodb-backends.js';
import { RecordingLog } from '../support/watcher-harness.js';

const T0 = '2026-11-29T10:00:00.000Z';
const LEASE_MS = 60_000;
const KEY = 'order-2026-11-29-0001';
const JOB_ID = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
const RESPONSE = { job_id: JOB_ID, status: 'pending', domain_count: 2 };

describe.each(DYNAMODB_BACKENDS)('DynamoDB submission store on %s', (_name, startBackend) => {
  let backend: DynamoDbBackend;
  let tableName: string;
  let clock: FakeClock;
  let store: DynamoDbSubmissionStore;

  beforeAll(async () => {
    backend = await startBackend();
  });
  beforeEach(async () => {
    tableName = await createJobsTable(backend.client);
    clock = new FakeClock(T0);
    store = new DynamoDbSubmissionStore(documentClient(backend.client), tableName, clock);
  });
  afterAll(async () => {
    await backend.stop();
  });

  /** A reservation made now, holding the key for the lease. */
  function reservation(requestHash = 'hash-a', key = KEY) {
    return {
      idempotencyKey: key,
      requestHash,
      leaseUntil: new Date(clock.now().getTime() + LEASE_MS).toISOString(),
    };
  }

  async function rawItem(key = KEY): Promise<Record<string, unknown> | undefined> {
    const pk = `SUBMISSION#${createHash('sha256').update(key).digest('hex')}`;
    const { Item } = await documentClient(backend.client).send(
      new GetCommand({ TableName: tableName, Key: { pk }, ConsistentRead: true }),
    );
    return Item;
  }

  it('hands a key to its first caller and shows later callers the reservation, hash included', async () => {
    const first = reservation('hash-a');
    expect(await store.reserve(first)).toBeNull();

    const inProgress = {
      idempotencyKey: KEY,
      requestHash: 'hash-a',
      state: 'in_progress',
      jobId: null,
      response: null,
      leaseUntil: first.leaseUntil,
    };
    // The same body (a retry while the first is still running) and another body (a conflict)
    // both get the record: the caller tells them apart by the hash.
    clock.advance(10_000);
    expect(await store.reserve(reservation('hash-a'))).toEqual(inProgress);
    expect(await store.reserve(reservation('hash-b'))).toEqual(inProgress);

    const item = await rawItem();
    expect(item).toMatchObject({
      entity: 'submission',
      idempotency_key: KEY,
      expires_at: Math.floor(Date.parse(T0) / 1000) + 24 * 3600,
    });
    // No listing index attribute: a submission is never listed as a job.
    expect(item).not.toHaveProperty('tracked_at');
    expect(item).not.toHaveProperty('status');
  });

  it('replays the completed submission to every later caller', async () => {
    await store.reserve(reservation());
    await store.complete(KEY, JOB_ID, RESPONSE);
    // Completing again with the same job (a retried completion) is harmless.
    await store.complete(KEY, JOB_ID, RESPONSE);
    clock.advance(10 * LEASE_MS);
    const replayed = await store.reserve(reservation('hash-b'));
    expect(replayed).toMatchObject({
      idempotencyKey: KEY,
      requestHash: 'hash-a',
      state: 'created',
      jobId: JOB_ID,
      response: RESPONSE,
    });
    expect(await rawItem()).toMatchObject({
      expires_at: Math.floor(Date.parse(T0) / 1000) + 24 * 3600,
    });
    // A completion with another job lost the key: refused, the first job stands.
    await expect(store.complete(KEY, 'another-job', RESPONSE)).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect((await store.reserve(reservation()))?.jobId).toBe(JOB_ID);
  });

  it('lets a caller take over a reservation whose lease ran out, and only then', async () => {
    const abandoned = reservation('hash-a');
    await store.reserve(abandoned);
    clock.set(abandoned.leaseUntil);
    expect(await store.reserve(reservation('hash-a'))).toMatchObject({ state: 'in_progress' });

    clock.advance(1);
    const takeover = reservation('hash-c');
    expect(await store.reserve(takeover)).toBeNull();
    expect(await store.reserve(reservation('hash-a'))).toMatchObject({
      requestHash: 'hash-c',
      leaseUntil: takeover.leaseUntil,
    });
  });

  it('frees a released key for the next caller, and releasing is harmless when nothing is held', async () => {
    await store.reserve(reservation('hash-a'));
    await store.release(KEY);
    expect(await rawItem()).toMatchObject({ state: 'released' });
    expect(await store.reserve(reservation('hash-b'))).toBeNull();
    expect(await store.reserve(reservation('hash-a'))).toMatchObject({ requestHash: 'hash-b' });

    await store.release('never-reserved');
    expect(await rawItem('never-reserved')).toBeUndefined();
    // A completed submission is not given up by a late release.
    await store.complete(KEY, JOB_ID, RESPONSE);
    await store.release(KEY);
    expect(await store.reserve(reservation())).toMatchObject({ state: 'created', jobId: JOB_ID });
  });

  it('keeps keys apart however alike they look', async () => {
    expect(await store.reserve(reservation('hash-a', 'key'))).toBeNull();
    expect(await store.reserve(reservation('hash-a', 'key '))).toBeNull();
    expect(await store.reserve(reservation('hash-a', 'KEY'))).toBeNull();
    expect(await store.reserve(reservation('hash-z', 'x'.repeat(2000)))).toBeNull();
    expect(await store.reserve(reservation('hash-b', 'key'))).toMatchObject({ idempotencyKey: 'key' });
  });

  it('leaves submissions out of the job listing and the job scan', async () => {
    await store.reserve(reservation());
    await store.complete(KEY, JOB_ID, RESPONSE);
    const log = new RecordingLog();
    const documents = documentClient(backend.client);
    const page = await new DynamoDbJobCatalog(documents, tableName, log, null).listPage({
      limit: 10,
      cursor: null,
    });
    expect(page).toEqual({ jobs: [], nextCursor: null });
    const listed = [];
    for await (const job of new DynamoDbJobStore(documents, tableName, log).list()) listed.push(job);
    expect(listed).toEqual([]);
    expect(log.entries).toEqual([]);
  });

  it('reports a malformed submission item by name', async () => {
    const pk = `SUBMISSION#${createHash('sha256').update(KEY).digest('hex')}`;
    await documentClient(backend.client).send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk,
          entity: 'submission',
          idempotency_key: KEY,
          request_hash: 'h',
          state: 'done',
          lease_until: T0,
        },
      }),
    );
    const error = await store.reserve(reservation()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MalformedItemError);
    expect(error).toMatchObject({
      key: pk,
      field: 'state',
      problem: 'expected one of in_progress, created, released',
    });
  });
});

/** Truly concurrent submits with one key. dynalite only: moto evaluates conditions without a lock. */
describe('DynamoDbSubmissionStore under concurrent submits (dynalite)', () => {
  let stop: () => Promise<void>;
  let store: DynamoDbSubmissionStore;

  beforeAll(async () => {
    const dynalite = await startDynalite();
    stop = dynalite.stop;
    const client = dynamoDbClientFor(dynalite.endpoint);
    store = new DynamoDbSubmissionStore(
      documentClient(client),
      await createJobsTable(client),
      new FakeClock(T0),
    );
  });
  afterAll(async () => {
    await stop();
  });

  it('gives a key to exactly one of ten simultaneous submits', async () => {
    for (let round = 0; round < 5; round += 1) {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, n) =>
          store.reserve({
            idempotencyKey: `key-${round}`,
            requestHash: `hash-${n}`,
            leaseUntil: '2026-11-29T10:01:00.000Z',
          }),
        ),
      );
      const winners = results.filter((result) => result === null);
      expect(winners).toHaveLength(1);
      // Every other caller sees the winner's reservation.
      const hashes = new Set(results.map((result) => result?.requestHash));
      expect(hashes.size).toBe(2);
    }
  });
});
