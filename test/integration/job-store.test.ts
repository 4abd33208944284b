import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOBS_TABLE } from '../../functions/contract.js';
import { DynamoDbJobStore } from '../../functions/core/adapters/dynamodb-job-store.js';
import { decideAfterAnswer } from '../../functions/core/domain/check-decision.js';
import { ConcurrentUpdateError, JobAlreadyTrackedError } from '../../functions/core/domain/errors.js';
import type { TrackedJob } from '../../functions/core/domain/job.js';
import { INITIAL_WATCHER_STATE } from '../../functions/core/domain/watcher-state.js';
import { documentClient } from '../../functions/core/wiring.js';
import { randomUuid, seededRandom } from '../../local/random.js';
import { POLICY, snapshot } from '../support/builders.js';
import { startDynalite } from '../support/dynalite.js';
import { createJobsTable, dynamoDbClientFor, motoClients } from '../support/emulators.js';

const T0 = '2026-11-29T10:00:00.000Z';
const LATER = '2026-11-29T10:01:00.000Z';

interface Backend {
  client: DynamoDBClient;
  stop: () => Promise<void>;
}

const backends: [string, () => Promise<Backend>][] = [
  [
    'dynalite',
    async () => {
      const dynalite = await startDynalite();
      return { client: dynamoDbClientFor(dynalite.endpoint), stop: dynalite.stop };
    },
  ],
  ['moto', () => Promise.resolve({ client: motoClients().dynamoDb, stop: () => Promise.resolve() })],
];

describe.each(backends)('DynamoDbJobStore on %s', (_name, startBackend) => {
  let backend: Backend;
  let store: DynamoDbJobStore;
  let tableName: string;
  const ids = (() => {
    const random = seededRandom(42);
    return () => randomUuid(random);
  })();

  beforeAll(async () => {
    backend = await startBackend();
    tableName = await createJobsTable(backend.client);
    store = new DynamoDbJobStore(documentClient(backend.client), tableName);
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
    const indexed = (Items ?? []).map((item) => item.job_id?.S);
    expect(indexed).not.toContain(dueSoon.jobId);
    expect(indexed).toContain(notYet.jobId);
  });

  it('lets only one tick claim an owed notification, and settling twice fails', async () => {
    const job = await track();
    const terminal = await store.applyUpdate(
      job,
      decideAfterAnswer(job, snapshot({ job_id: job.jobId, status: 'completed' }), LATER, POLICY).update,
    );
    await store.claimOwedNotification(terminal, '2026-11-29T10:20:00.000Z');
    await expect(store.claimOwedNotification(terminal, '2026-11-29T10:20:00.000Z')).rejects.toBeInstanceOf(
      ConcurrentUpdateError,
    );

    await store.recordDeliveredChannels(terminal, `${job.jobId}:completed`, ['events']);
    expect((await store.get(job.jobId))?.notificationOwed?.deliveredChannels).toEqual(['events']);
    await expect(
      store.recordDeliveredChannels(terminal, `${job.jobId}:failed`, ['sms']),
    ).rejects.toBeInstanceOf(ConcurrentUpdateError);

    const receipt = { eventId: `${job.jobId}:completed`, messageIds: { events: 'm' }, publishedAt: LATER };
    await store.settleOwedNotification(terminal, receipt);
    await expect(store.settleOwedNotification(terminal, receipt)).rejects.toBeInstanceOf(
      ConcurrentUpdateError,
    );
  });

  it('lists jobs, optionally by status, and never lists the watcher state', async () => {
    const job = await track();
    await store.applyUpdate(
      job,
      decideAfterAnswer(job, snapshot({ job_id: job.jobId, status: 'processing' }), LATER, POLICY).update,
    );
    await store
      .saveWatcherState(INITIAL_WATCHER_STATE, { ...INITIAL_WATCHER_STATE, throttleStreak: 1 })
      .catch((error: unknown) => {
        // Another test in this file may have created the state item already.
        if (!(error instanceof ConcurrentUpdateError)) throw error;
      });

    const all: TrackedJob[] = [];
    for await (const listed of store.list()) all.push(listed);
    expect(all.length).toBeGreaterThan(1);
    expect(all.every((listed) => listed.jobId.length === 36)).toBe(true);

    const processing: TrackedJob[] = [];
    for await (const listed of store.list({ status: 'processing' })) processing.push(listed);
    expect(processing.map((listed) => listed.jobId)).toContain(job.jobId);
    expect(processing.every((listed) => listed.status === 'processing')).toBe(true);
  });

  it('guards the watcher state with its version', async () => {
    const current = await store.getWatcherState();
    const saved = await store.saveWatcherState(current, {
      ...current,
      accessIncident: { kind: 'unauthorized', openedAt: T0 },
    });
    expect(saved.version).toBe(current.version + 1);
    expect(await store.getWatcherState()).toEqual(saved);
    await expect(store.saveWatcherState(current, { ...current, throttleStreak: 9 })).rejects.toBeInstanceOf(
      ConcurrentUpdateError,
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
    store = new DynamoDbJobStore(documentClient(client), await createJobsTable(client));
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
