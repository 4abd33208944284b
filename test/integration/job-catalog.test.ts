import { QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JOBS_TABLE } from '../../functions/contract.js';
import { DynamoDbJobCatalog } from '../../functions/core/adapters/dynamodb/job-catalog.js';
import { DynamoDbJobStore } from '../../functions/core/adapters/dynamodb/job-store.js';
import { DynamoDbSubmissionStore } from '../../functions/core/adapters/dynamodb/submission-store.js';
import { DynamoDbWatcherStateStore } from '../../functions/core/adapters/dynamodb/watcher-state-store.js';
import { decideAfterAnswer } from '../../functions/core/domain/check-decision.js';
import {
  ConcurrentUpdateError,
  JobNotTrackedError,
  ValidationError,
} from '../../functions/core/domain/errors.js';
import type { TrackedJob } from '../../functions/core/domain/job.js';
import type { JobStatus } from '../../functions/core/domain/job-status.js';
import { INITIAL_WATCHER_STATE } from '../../functions/core/domain/watcher-state.js';
import type { JobListQuery } from '../../functions/core/ports.js';
import { documentClient } from '../../functions/core/wiring.js';
import { randomUuid, seededRandom } from '../../local/random.js';
import { POLICY, snapshot } from '../support/builders.js';
import { startDynalite } from '../support/dynalite.js';
import { createJobsTable, dynamoDbClientFor, motoClients } from '../support/emulators.js';
import { RecordingLog } from '../support/watcher-harness.js';

const T0 = '2026-11-29T10:00:00.000Z';
const DAY_MS = 86_400_000;
const RETENTION_MS = 30 * DAY_MS;

/** The n-th minute after T0, as the store writes times. */
function minute(n: number): string {
  return new Date(Date.parse(T0) + n * 60_000).toISOString();
}

interface Backend {
  /** A fresh client, so a test can watch every call it makes. */
  client: () => DynamoDBClient;
  stop: () => Promise<void>;
}

const backends: [string, () => Promise<Backend>][] = [
  [
    'dynalite',
    async () => {
      const dynalite = await startDynalite();
      return { client: () => dynamoDbClientFor(dynalite.endpoint), stop: dynalite.stop };
    },
  ],
  ['moto', () => Promise.resolve({ client: () => motoClients().dynamoDb, stop: () => Promise.resolve() })],
];

/** Records the name of every command `client` sends. */
function recordCommands(client: DynamoDBClient): string[] {
  const names: string[] = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      names.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize' },
  );
  return names;
}

// Every test gets a table of its own: what it finds there is what it put there.
describe.each(backends)('DynamoDB job catalog on %s', (_name, startBackend) => {
  let backend: Backend;
  let client: DynamoDBClient;
  let commands: string[];
  let log: RecordingLog;
  let tableName: string;
  let jobs: DynamoDbJobStore;
  let catalog: DynamoDbJobCatalog;
  const ids = (() => {
    const random = seededRandom(7);
    return () => randomUuid(random);
  })();

  beforeAll(async () => {
    backend = await startBackend();
  });
  beforeEach(async () => {
    client = backend.client();
    tableName = await createJobsTable(client);
    commands = recordCommands(client);
    log = new RecordingLog();
    jobs = new DynamoDbJobStore(documentClient(client), tableName, log);
    catalog = new DynamoDbJobCatalog(documentClient(client), tableName, log, RETENTION_MS);
  });
  afterAll(async () => {
    await backend.stop();
  });

  async function track(trackedAt: string, label: string | null = null): Promise<TrackedJob> {
    return jobs.track({ jobId: ids(), label, metadata: {}, trackedAt });
  }

  async function moveTo(job: TrackedJob, status: JobStatus, at: string): Promise<TrackedJob> {
    const { update } = decideAfterAnswer(job, snapshot({ job_id: job.jobId, status }), at, POLICY);
    return jobs.applyUpdate(job, update);
  }

  /** Every page of a query, as job ids per page, following the cursors. */
  async function pagesOf(query: Omit<JobListQuery, 'cursor'>): Promise<string[][]> {
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const page = await catalog.listPage({ ...query, cursor });
      pages.push(page.jobs.map((job) => job.jobId));
      cursor = page.nextCursor;
    } while (cursor !== null && pages.length < 20);
    return pages;
  }

  async function dueIds(now: string): Promise<string[]> {
    const found: string[] = [];
    for await (const page of jobs.dueJobs(now, 10)) found.push(...page.map((job) => job.jobId));
    return found;
  }

  async function rawItem(jobId: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await documentClient(client).send(
      new GetCommand({ TableName: tableName, Key: { pk: `JOB#${jobId}` }, ConsistentRead: true }),
    );
    return Item;
  }

  describe('listPage', () => {
    it('lists jobs newest first, page by page, with a cursor only when more follow, by queries alone', async () => {
      const tracked = [];
      for (let n = 0; n < 5; n += 1) tracked.push(await track(minute(n), `batch ${n}`));
      // Neither the watcher state nor a submission is a job: the listing index never holds them.
      await new DynamoDbWatcherStateStore(documentClient(client), tableName).saveWatcherState(
        INITIAL_WATCHER_STATE,
        { ...INITIAL_WATCHER_STATE, throttleStreak: 1 },
      );
      await new DynamoDbSubmissionStore(documentClient(client), tableName).reserve({
        idempotencyKey: 'key-1',
        requestHash: 'h',
        leaseUntil: minute(10),
      });
      const newestFirst = tracked.map((job) => job.jobId).reverse();
      commands.length = 0;

      expect(await pagesOf({ limit: 2 })).toEqual([
        newestFirst.slice(0, 2),
        newestFirst.slice(2, 4),
        [newestFirst[4]],
      ]);
      // A last page that is exactly full has no cursor: no empty page to fetch after it.
      expect(await pagesOf({ limit: 5 })).toEqual([newestFirst]);
      expect(new Set(commands)).toEqual(new Set(['QueryCommand']));

      const first = await catalog.listPage({ limit: 1, cursor: null });
      expect(first.jobs).toEqual([
        {
          jobId: newestFirst[0],
          status: 'pending',
          label: 'batch 4',
          trackedAt: minute(4),
          untrackedAt: null,
        },
      ]);
      expect(log.entries.filter((entry) => entry.level === 'error')).toEqual([]);
    });

    it('filters by status from the status index, newest first, with cursors of its own', async () => {
      const a = await moveTo(await track(minute(0)), 'processing', minute(10));
      const pending = await track(minute(1));
      const b = await moveTo(await track(minute(2)), 'processing', minute(10));
      const c = await moveTo(await track(minute(3)), 'processing', minute(10));
      await moveTo(await track(minute(4)), 'completed', minute(10));

      expect(await pagesOf({ status: 'processing', limit: 2 })).toEqual([[c.jobId, b.jobId], [a.jobId]]);
      expect(await pagesOf({ status: 'pending', limit: 10 })).toEqual([[pending.jobId]]);
      expect(await pagesOf({ status: 'failed', limit: 10 })).toEqual([[]]);
      const page = await catalog.listPage({ status: 'processing', limit: 1, cursor: null });
      expect(page.jobs[0]).toMatchObject({ jobId: c.jobId, status: 'processing' });

      // A cursor belongs to its query: another status, or no status, refuses it.
      const cursor = page.nextCursor ?? '';
      await expect(catalog.listPage({ status: 'pending', limit: 1, cursor })).rejects.toThrow(
        new ValidationError('cursor is not valid for this query'),
      );
      await expect(catalog.listPage({ limit: 1, cursor })).rejects.toBeInstanceOf(ValidationError);
    });

    it('refuses a tampered cursor with a ValidationError', async () => {
      for (let n = 0; n < 3; n += 1) await track(minute(n));
      const cursor = (await catalog.listPage({ limit: 1, cursor: null })).nextCursor ?? '';
      const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      const reencode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const tampered = [
        '',
        'not a cursor!',
        `${cursor}=`,
        cursor.slice(0, -3),
        Buffer.from('{"q":"all"').toString('base64url'),
        reencode({ ...decoded, q: 'status:pending' }),
        reencode({ ...decoded, pk: 'WATCHER#state' }),
        reencode({ ...decoded, at: 7 }),
        reencode({ ...decoded, extra: true }),
        reencode([decoded]),
      ];
      for (const bad of tampered) {
        const error = await catalog.listPage({ limit: 1, cursor: bad }).catch((caught: unknown) => caught);
        expect(error, bad).toBeInstanceOf(ValidationError);
        expect((error as Error).message).toBe('cursor is not valid for this query');
      }
      // The genuine cursor still works.
      expect((await catalog.listPage({ limit: 1, cursor })).jobs).toHaveLength(1);
    });

    it('takes a limit from 1 to 100 and refuses anything else', async () => {
      for (let n = 0; n < 3; n += 1) await track(minute(n));
      expect((await catalog.listPage({ limit: 1, cursor: null })).jobs).toHaveLength(1);
      expect((await catalog.listPage({ limit: 100, cursor: null })).jobs).toHaveLength(3);
      for (const limit of [0, -1, 101, 1.5, Number.NaN]) {
        await expect(catalog.listPage({ limit, cursor: null })).rejects.toThrow(
          new ValidationError('limit must be a whole number from 1 to 100'),
        );
      }
    });

    it('projects only the listed attributes into the listing indexes', async () => {
      // untracked_at is projected too, but absent until untracking.
      const job = await moveTo(await track(minute(0), 'x'), 'processing', minute(1));
      const expected = [
        [JOBS_TABLE.listIndex, 'job', ['entity', 'job_id', 'label', 'pk', 'status', 'tracked_at']],
        [JOBS_TABLE.statusIndex, 'processing', ['job_id', 'label', 'pk', 'status', 'tracked_at']],
      ] as const;
      for (const [index, partition, attributes] of expected) {
        const { Items } = await client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: index.name,
            KeyConditionExpression: '#p = :p',
            ExpressionAttributeNames: { '#p': index.partitionKey },
            ExpressionAttributeValues: { ':p': { S: partition } },
          }),
        );
        expect(Items?.map((item) => item.job_id?.S)).toEqual([job.jobId]);
        // History, snapshot, counters: none of what a check rewrites is in the index.
        expect(Object.keys(Items?.[0] ?? {}).sort()).toEqual(attributes);
      }
    });
  });

  describe('untrack', () => {
    it('stops watching a job once, keeps its history, and lets it expire after the retention period', async () => {
      const job = await moveTo(await track(minute(0)), 'processing', minute(1));
      expect(await dueIds(minute(60))).toEqual([job.jobId]);

      const untracked = await catalog.untrack(job.jobId, minute(2));
      expect(untracked).toMatchObject({
        jobId: job.jobId,
        status: 'processing',
        untrackedAt: minute(2),
        nextCheckAt: null,
        history: job.history,
        version: job.version + 1,
      });
      expect(await jobs.get(job.jobId)).toEqual(untracked);
      expect(await dueIds(minute(600))).toEqual([]);
      const expiresAt = Math.floor((Date.parse(minute(2)) + RETENTION_MS) / 1000);
      expect(await rawItem(job.jobId)).toMatchObject({ expires_at: expiresAt });
      expect(await rawItem(job.jobId)).not.toHaveProperty('watch_queue');

      // Again, later: nothing changes (same time, same expiry, same version).
      expect(await catalog.untrack(job.jobId, minute(30))).toEqual(untracked);
      expect(await rawItem(job.jobId)).toMatchObject({ expires_at: expiresAt, untracked_at: minute(2) });
      const listed = await catalog.listPage({ limit: 10, cursor: null });
      expect(listed.jobs).toEqual([expect.objectContaining({ jobId: job.jobId, untrackedAt: minute(2) })]);
    });

    it('still delivers a notification the job owes, and settling it ends the watch as usual', async () => {
      const terminal = await moveTo(await track(minute(0)), 'completed', minute(1));
      const eventId = `${terminal.jobId}:completed`;
      const untracked = await catalog.untrack(terminal.jobId, minute(2));
      expect(untracked).toMatchObject({ untrackedAt: minute(2), notificationOwed: { eventId } });
      expect(await rawItem(terminal.jobId)).toMatchObject({ watch_queue: 'owed' });
      // Due once the publishing lease runs out, like any owed notification.
      expect(await dueIds(minute(60))).toEqual([terminal.jobId]);

      await jobs.settleOwedNotification(untracked, {
        eventId,
        messageIds: { events: 'm' },
        publishedAt: minute(3),
      });
      expect(await dueIds(minute(600))).toEqual([]);
      expect(await jobs.get(terminal.jobId)).toMatchObject({
        untrackedAt: minute(2),
        notificationOwed: null,
      });
    });

    it('keeps a tick that read the job before from putting it back in the due index', async () => {
      const readByTick = await track(minute(0));
      await catalog.untrack(readByTick.jobId, minute(1));
      const check = decideAfterAnswer(readByTick, snapshot({ job_id: readByTick.jobId }), minute(2), POLICY);
      await expect(jobs.applyUpdate(readByTick, check.update)).rejects.toBeInstanceOf(ConcurrentUpdateError);

      // A check of the untracked job itself (a webhook hint) records the answer and leaves it out.
      const current = await jobs.get(readByTick.jobId);
      if (!current) throw new Error('the untracked job is gone');
      const checked = await jobs.applyUpdate(
        current,
        decideAfterAnswer(current, snapshot({ job_id: current.jobId }), minute(3), POLICY).update,
      );
      expect(checked).toMatchObject({ status: 'processing', untrackedAt: minute(1), nextCheckAt: null });
      expect(await dueIds(minute(600))).toEqual([]);

      // If that check finds it ended, the notification it now owes is still delivered.
      const ended = await jobs.applyUpdate(
        checked,
        decideAfterAnswer(checked, snapshot({ job_id: checked.jobId, status: 'failed' }), minute(4), POLICY)
          .update,
      );
      expect(ended.notificationOwed?.eventId).toBe(`${checked.jobId}:failed`);
      expect(await dueIds(minute(600))).toEqual([checked.jobId]);
    });

    it('sets no expiry when jobs are kept for good', async () => {
      const keeper = new DynamoDbJobCatalog(documentClient(client), tableName, log, null);
      const job = await track(minute(0));
      await keeper.untrack(job.jobId, minute(1));
      expect(await rawItem(job.jobId)).not.toHaveProperty('expires_at');
    });

    it('refuses an unknown job and writes nothing', async () => {
      const unknown = ids();
      await expect(catalog.untrack(unknown, minute(1))).rejects.toThrow(new JobNotTrackedError(unknown));
      expect(await rawItem(unknown)).toBeUndefined();
    });
  });

  describe('claimHintCheck', () => {
    it('grants one check per window and job', async () => {
      const job = await track(minute(0));
      const other = await track(minute(0));
      const window = 60_000;
      expect(await catalog.claimHintCheck(job.jobId, minute(1), window)).toBe(true);
      expect(await catalog.claimHintCheck(job.jobId, '2026-11-29T10:01:59.999Z', window)).toBe(false);
      // Another job has its own window.
      expect(await catalog.claimHintCheck(other.jobId, minute(1), window)).toBe(true);
      // The window is over exactly `windowMs` after the granted claim.
      expect(await catalog.claimHintCheck(job.jobId, minute(2), window)).toBe(true);
      expect(await catalog.claimHintCheck(job.jobId, minute(2), window)).toBe(false);
      expect(await catalog.claimHintCheck(job.jobId, minute(5), window)).toBe(true);
      // A claim is not a change of the job: a tick holding the job's version still writes.
      expect((await jobs.get(job.jobId))?.version).toBe(job.version);
      await expect(catalog.claimHintCheck(job.jobId, minute(9), -1)).rejects.toBeInstanceOf(ValidationError);
      await expect(catalog.claimHintCheck(job.jobId, 'soon', window)).rejects.toBeInstanceOf(ValidationError);
      expect(await catalog.claimHintCheck(job.jobId, minute(9), window)).toBe(true);
    });

    it('refuses an unknown job and writes nothing', async () => {
      const unknown = ids();
      await expect(catalog.claimHintCheck(unknown, minute(1), 60_000)).rejects.toThrow(
        new JobNotTrackedError(unknown),
      );
      expect(await rawItem(unknown)).toBeUndefined();
    });
  });
});

/**
 * Truly concurrent claims. dynalite only: moto_server evaluates conditions without a lock, so two
 * concurrent writers guarded by the same condition can both succeed there (moto's gap).
 */
describe('DynamoDbJobCatalog under concurrent webhook calls (dynalite)', () => {
  let stop: () => Promise<void>;
  let jobs: DynamoDbJobStore;
  let catalog: DynamoDbJobCatalog;

  beforeAll(async () => {
    const dynalite = await startDynalite();
    stop = dynalite.stop;
    const client = dynamoDbClientFor(dynalite.endpoint);
    const tableName = await createJobsTable(client);
    jobs = new DynamoDbJobStore(documentClient(client), tableName, new RecordingLog());
    catalog = new DynamoDbJobCatalog(documentClient(client), tableName, new RecordingLog(), DAY_MS);
  });
  afterAll(async () => {
    await stop();
  });

  it('grants exactly one of ten simultaneous hint claims', async () => {
    const random = seededRandom(11);
    for (let round = 0; round < 10; round += 1) {
      const job = await jobs.track({ jobId: randomUuid(random), label: null, metadata: {}, trackedAt: T0 });
      const claims = await Promise.all(
        Array.from({ length: 10 }, () => catalog.claimHintCheck(job.jobId, minute(1), 60_000)),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
    }
  });
});
