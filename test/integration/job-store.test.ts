import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JOBS_TABLE } from '../../functions/contract.js';
import { DynamoDbJobStore } from '../../functions/core/adapters/dynamodb/job-store.js';
import { DynamoDbWatcherStateStore } from '../../functions/core/adapters/dynamodb/watcher-state-store.js';
import { decideAfterAnswer } from '../../functions/core/domain/check-decision.js';
import {
  ConcurrentUpdateError,
  JobAlreadyTrackedError,
  MalformedItemError,
} from '../../functions/core/domain/errors.js';
import type { TrackedJob } from '../../functions/core/domain/job.js';
import { INITIAL_WATCHER_STATE } from '../../functions/core/domain/watcher-state.js';
import { documentClient } from '../../functions/core/wiring.js';
import { randomUuid, seededRandom } from '../../local/random.js';
import { POLICY, snapshot, trackedJob } from '../support/builders.js';
import { startDynalite } from '../support/dynalite.js';
import { createJobsTable, dynamoDbClientFor } from '../support/emulators.js';
import { DYNAMODB_BACKENDS, type DynamoDbBackend } from '../support/dynamodb-backends.js';
import { RecordingLog } from '../support/watcher-harness.js';

const T0 = '2026-11-29T10:00:00.000Z';
const LATER = '2026-11-29T10:01:00.000Z';

// Every test gets a table of its own: what it finds there is what it put there, in any order.
describe.each(DYNAMODB_BACKENDS)('DynamoDB stores on %s', (_name, startBackend) => {
  let backend: DynamoDbBackend;
  let log: RecordingLog;
  let store: DynamoDbJobStore;
  let watcherState: DynamoDbWatcherStateStore;
  let tableName: string;
  const ids = (() => {
    const random = seededRandom(42);
    return () => randomUuid(random);
  })();

  beforeAll(async () => {
    backend = await startBackend();
  });
  beforeEach(async () => {
    tableName = await createJobsTable(backend.client);
    log = new RecordingLog();
    store = new DynamoDbJobStore(documentClient(backend.client), tableName, log);
    watcherState = new DynamoDbWatcherStateStore(documentClient(backend.client), tableName);
  });
  afterAll(async () => {
    await backend.stop();
  });

  async function track(jobId = ids(), trackedAt = T0): Promise<TrackedJob> {
    return store.track({ jobId, label: 'label', metadata: { team: 'a' }, trackedAt });
  }

  async function dueIds(now: string): Promise<string[]> {
    const found: string[] = [];
    for await (const page of store.dueJobs(now, 2)) found.push(...page.map((job) => job.jobId));
    return found;
  }

  async function listedIds(filter?: Parameters<DynamoDbJobStore['list']>[0]): Promise<string[]> {
    const found: string[] = [];
    for await (const job of store.list(filter)) found.push(job.jobId);
    return found.sort();
  }

  it('tracks a job once and refuses a second track without changing it', async () => {
    const job = await track();
    expect(job).toMatchObject({
      status: 'pending',
      label: 'label',
      metadata: { team: 'a' },
      version: 1,
      nextCheckAt: T0,
    });
    await expect(
      store.track({ jobId: job.jobId, label: 'other', metadata: {}, trackedAt: LATER }),
    ).rejects.toBeInstanceOf(JobAlreadyTrackedError);
    expect(await store.get(job.jobId)).toEqual(job);
  });

  it('remembers a job submitted with a webhook URL, and reads older items as tracked without one', async () => {
    const submitted = await store.track({
      jobId: ids(),
      label: null,
      metadata: {},
      trackedAt: T0,
      webhook: true,
    });
    expect(submitted).toMatchObject({ webhook: true, untrackedAt: null });
    expect(await store.get(submitted.jobId)).toEqual(submitted);
    expect((await track()).webhook).toBe(false);

    // An item written before untracking and webhooks existed.
    const oldId = ids();
    await putRaw({ pk: `JOB#${oldId}`, entity: 'job', job_id: oldId, status: 'processing', version: 4 });
    expect(await store.get(oldId)).toMatchObject({ webhook: false, untrackedAt: null, status: 'processing' });
  });

  it('records a transition and its history in one conditional write', async () => {
    const job = await track();
    const decision = decideAfterAnswer(
      job,
      snapshot({ job_id: job.jobId, status: 'processing' }),
      LATER,
      POLICY,
    );
    const updated = await store.applyUpdate(job, decision.update);

    expect(updated).toMatchObject({
      status: 'processing',
      version: 2,
      lastCheckedAt: LATER,
      history: [{ from: 'pending', to: 'processing', at: LATER }],
    });
    expect(await store.get(job.jobId)).toEqual(updated);
  });

  it('refuses a write based on a stale read, so a transition is never recorded twice', async () => {
    const job = await track();
    const completed = decideAfterAnswer(
      job,
      snapshot({ job_id: job.jobId, status: 'completed' }),
      LATER,
      POLICY,
    );
    await store.applyUpdate(job, completed.update);

    // A second poller that read the job before the first one wrote holds version 1.
    await expect(store.applyUpdate(job, completed.update)).rejects.toBeInstanceOf(ConcurrentUpdateError);
    const stored = await store.get(job.jobId);
    expect(stored?.history).toHaveLength(1);
    expect(stored?.notificationOwed?.eventId).toBe(`${job.jobId}:completed`);
  });

  it('finds due jobs through the sparse index only, and drops a job once its notification is settled', async () => {
    const dueSoon = await track(ids(), '2026-11-29T09:00:00.000Z');
    const dueLater = await track(ids(), '2026-11-29T09:00:30.000Z');
    const notYet = await track(ids(), '2026-11-29T12:00:00.000Z');

    const due = await dueIds('2026-11-29T09:30:00.000Z');
    expect(due).toEqual([dueSoon.jobId, dueLater.jobId]);
    expect(due).not.toContain(notYet.jobId);

    const decision = decideAfterAnswer(
      dueSoon,
      snapshot({ job_id: dueSoon.jobId, status: 'failed' }),
      LATER,
      POLICY,
    );
    const terminal = await store.applyUpdate(dueSoon, decision.update);
    // Owed, within the publishing lease: not due until the lease runs out.
    expect(await dueIds(LATER)).not.toContain(dueSoon.jobId);
    expect(await dueIds('2026-11-29T10:06:00.000Z')).toContain(dueSoon.jobId);

    await store.settleOwedNotification(terminal, {
      eventId: `${dueSoon.jobId}:failed`,
      messageIds: { events: 'm-1', email: 'm-2' },
      publishedAt: LATER,
    });
    const settled = await store.get(dueSoon.jobId);
    expect(settled).toMatchObject({ status: 'failed', notificationOwed: null, nextCheckAt: null });
    expect(settled?.lastNotification).toEqual({
      eventId: `${dueSoon.jobId}:failed`,
      messageIds: { events: 'm-1', email: 'm-2' },
      publishedAt: LATER,
    });
    expect(await dueIds('2027-01-01T00:00:00.000Z')).not.toContain(dueSoon.jobId);

    // The index holds watched jobs only: finished jobs cost nothing on the hot path.
    const { Items } = await backend.client.send(
      new ScanCommand({ TableName: tableName, IndexName: JOBS_TABLE.dueIndex.name }),
    );
    const indexed = (Items ?? []).map((item) => item[JOBS_TABLE.partitionKey]?.S);
    expect(indexed).not.toContain(`JOB#${dueSoon.jobId}`);
    expect(indexed).toContain(`JOB#${notYet.jobId}`);
    // Narrow: the keys and the one attribute the due filter reads, never the whole item.
    expect(Items?.map((item) => Object.keys(item).sort())).toEqual(
      Items?.map(() => ['next_check_at', 'pk', 'watch_queue']),
    );
  });

  it('lets only one tick claim an owed notification, and settling twice fails', async () => {
    const job = await track();
    const terminal = await store.applyUpdate(
      job,
      decideAfterAnswer(job, snapshot({ job_id: job.jobId, status: 'completed' }), LATER, POLICY).update,
    );
    const claimed = await store.claimOwedNotification(terminal, '2026-11-29T10:20:00.000Z');
    await expect(store.claimOwedNotification(terminal, '2026-11-29T10:20:00.000Z')).rejects.toBeInstanceOf(
      ConcurrentUpdateError,
    );

    // Only the lease holder releases it: the channels reached are kept, the job is due again.
    const release = {
      eventId: `${job.jobId}:completed`,
      deliveredChannels: ['events' as const],
      dueAt: '2026-11-29T10:16:00.000Z',
    };
    await expect(store.releaseOwedNotification(terminal, release)).rejects.toBeInstanceOf(
      ConcurrentUpdateError,
    );
    await expect(
      store.releaseOwedNotification(claimed, { ...release, eventId: `${job.jobId}:failed` }),
    ).rejects.toBeInstanceOf(ConcurrentUpdateError);
    await store.releaseOwedNotification(claimed, release);
    const released = await store.get(job.jobId);
    expect(released?.notificationOwed?.deliveredChannels).toEqual(['events']);
    expect(released?.nextCheckAt).toBe('2026-11-29T10:16:00.000Z');

    const receipt = { eventId: `${job.jobId}:completed`, messageIds: { events: 'm' }, publishedAt: LATER };
    await store.settleOwedNotification(terminal, receipt);
    await expect(store.settleOwedNotification(terminal, receipt)).rejects.toBeInstanceOf(
      ConcurrentUpdateError,
    );
  });

  it('lists jobs, optionally by status, and never lists the watcher state', async () => {
    const pending = await track();
    const job = await track();
    await store.applyUpdate(
      job,
      decideAfterAnswer(job, snapshot({ job_id: job.jobId, status: 'processing' }), LATER, POLICY).update,
    );
    await watcherState.saveWatcherState(INITIAL_WATCHER_STATE, {
      ...INITIAL_WATCHER_STATE,
      throttleStreak: 1,
    });

    expect(await listedIds()).toEqual([pending.jobId, job.jobId].sort());
    expect(await listedIds({ status: 'processing' })).toEqual([job.jobId]);
    expect(await listedIds({ status: 'completed' })).toEqual([]);
    // Left out by the scan's filter, not skipped as an unreadable job.
    expect(log.entries.filter((entry) => entry.level === 'error')).toEqual([]);
  });

  it('guards the watcher state with its version', async () => {
    expect(await watcherState.getWatcherState()).toEqual(INITIAL_WATCHER_STATE);
    const first = await watcherState.saveWatcherState(INITIAL_WATCHER_STATE, {
      ...INITIAL_WATCHER_STATE,
      throttleStreak: 2,
      throttledUntil: LATER,
    });
    // A second first write (another tick that also found no state item) loses.
    await expect(
      watcherState.saveWatcherState(INITIAL_WATCHER_STATE, { ...INITIAL_WATCHER_STATE, throttleStreak: 7 }),
    ).rejects.toBeInstanceOf(ConcurrentUpdateError);

    const saved = await watcherState.saveWatcherState(first, {
      ...first,
      accessIncident: { kind: 'unauthorized', openedAt: T0 },
      alertOwed: {
        phase: 'opened',
        incident: { kind: 'unauthorized', openedAt: T0 },
        detectedAt: T0,
        retryAt: LATER,
        deliveredChannels: ['events'],
      },
    });
    expect(saved.version).toBe(2);
    expect(await watcherState.getWatcherState()).toEqual(saved);
    await expect(
      watcherState.saveWatcherState(first, { ...first, throttleStreak: 9 }),
    ).rejects.toBeInstanceOf(ConcurrentUpdateError);
  });

  /** Writes an item as another program (or a hand edit) might, bypassing the store's encoder. */
  async function putRaw(item: Record<string, unknown>): Promise<void> {
    await documentClient(backend.client).send(new PutCommand({ TableName: tableName, Item: item }));
  }

  it('skips a malformed job when finding due jobs, names it in the log, and returns the others', async () => {
    const before = await track(ids(), '2026-11-29T09:00:00.000Z');
    const after = await track(ids(), '2026-11-29T09:02:00.000Z');
    const badId = ids();
    await putRaw({
      pk: `JOB#${badId}`,
      entity: 'job',
      job_id: badId,
      status: 'processing',
      next_check_at: '2026-11-29T09:01:00.000Z',
      watch_queue: 'watched',
      snapshot: { ...snapshot({ job_id: badId }), total_domains: 'ten thousand' },
      version: 3,
    });

    // Page size 2: the malformed item shares its page with a good job, which still comes back.
    expect(await dueIds('2026-11-29T09:30:00.000Z')).toEqual([before.jobId, after.jobId]);
    const errors = log.entries.filter((entry) => entry.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.attributes).toMatchObject({
      job_id: badId,
      field: 'snapshot.total_domains',
      problem: 'expected number, got string',
    });
    expect(JSON.stringify(errors)).not.toContain('ten thousand');

    const error = await store.get(badId).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MalformedItemError);
    expect((error as MalformedItemError).message).toBe(
      `Stored item JOB#${badId} is malformed: snapshot.total_domains: expected number, got string`,
    );
    // The good jobs still read, and the listing (for people) skips the bad one the same way.
    expect(await store.get(before.jobId)).toEqual(before);
    expect(await listedIds()).toEqual([before.jobId, after.jobId].sort());
    expect(log.entries.filter((entry) => entry.level === 'error')).toHaveLength(2);
  });

  it('reports a malformed job read back after a conditional write with the typed error', async () => {
    const badId = ids();
    await putRaw({ pk: `JOB#${badId}`, entity: 'job', job_id: badId, metadata: 'team=a', version: 1 });
    const job = trackedJob({ jobId: badId, version: 1 });
    const error = await store
      .applyUpdate(job, decideAfterAnswer(job, snapshot({ job_id: badId }), LATER, POLICY).update)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MalformedItemError);
    expect(error).toMatchObject({
      key: `JOB#${badId}`,
      field: 'metadata',
      problem: 'expected record, got string',
    });
  });

  it('fails loudly on a malformed watcher state rather than guessing there is no pause', async () => {
    await putRaw({
      pk: 'WATCHER#state',
      entity: 'watcher_state',
      throttled_until: 1_764_410_400,
      version: 4,
    });
    await expect(watcherState.getWatcherState()).rejects.toThrow(
      'Stored item WATCHER#state is malformed: throttled_until: expected string, got number',
    );
  });
});

/**
 * Truly concurrent writers. dynalite only: DynamoDB applies a conditional write atomically and
 * dynalite does too, but moto_server evaluates conditions without a lock, so two concurrent
 * writers guarded by the same condition can both succeed there (moto's gap, not the store's).
 */
describe('DynamoDbJobStore under concurrent writers (dynalite)', () => {
  let stop: () => Promise<void>;
  let store: DynamoDbJobStore;

  beforeAll(async () => {
    const dynalite = await startDynalite();
    stop = dynalite.stop;
    const client = dynamoDbClientFor(dynalite.endpoint);
    store = new DynamoDbJobStore(documentClient(client), await createJobsTable(client), new RecordingLog());
  });
  afterAll(async () => {
    await stop();
  });

  it('lets exactly one of many racing writers record a transition', async () => {
    const random = seededRandom(5);
    for (let round = 0; round < 20; round += 1) {
      const job = await store.track({ jobId: randomUuid(random), label: null, metadata: {}, trackedAt: T0 });
      const update = decideAfterAnswer(
        job,
        snapshot({ job_id: job.jobId, status: 'failed' }),
        LATER,
        POLICY,
      ).update;
      const results = await Promise.allSettled([1, 2, 3, 4].map(() => store.applyUpdate(job, update)));
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      expect((await store.get(job.jobId))?.history).toHaveLength(1);
    }
  });
});
