import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JOBS_TABLE } from '../../functions/contract.js';
import { encodeJobItem } from '../../functions/core/adapters/dynamodb/job-item.js';
import { DynamoDbJobStore } from '../../functions/core/adapters/dynamodb/job-store.js';
import { decideAfterAnswer } from '../../functions/core/domain/check-decision.js';
import type { TrackedJob } from '../../functions/core/domain/job.js';
import { documentClient } from '../../functions/core/wiring.js';
import { randomUuid, seededRandom } from '../../local/random.js';
import { POLICY, snapshot, trackedJob } from '../support/builders.js';
import { createJobsTable } from '../support/emulators.js';
import { DYNAMODB_BACKENDS, type DynamoDbBackend } from '../support/dynamodb-backends.js';
import { RecordingLog } from '../support/watcher-harness.js';

const NOW = '2026-11-29T10:00:00.000Z';
/** `minutes` before (negative: after) NOW. */
const minutesBefore = (minutes: number) => new Date(Date.parse(NOW) - minutes * 60_000).toISOString();

describe.each(DYNAMODB_BACKENDS)('the due index on %s', (_name, startBackend) => {
  let backend: DynamoDbBackend;
  let store: DynamoDbJobStore;
  let tableName: string;
  const ids = (() => {
    const random = seededRandom(99);
    return () => randomUuid(random);
  })();

  beforeAll(async () => {
    backend = await startBackend();
  });
  beforeEach(async () => {
    tableName = await createJobsTable(backend.client);
    store = new DynamoDbJobStore(documentClient(backend.client), tableName, new RecordingLog());
  });
  afterAll(async () => {
    await backend.stop();
  });

  async function put(job: TrackedJob): Promise<TrackedJob> {
    await documentClient(backend.client).send(
      new PutCommand({ TableName: tableName, Item: encodeJobItem(job) }),
    );
    return job;
  }

  /** A processing job due `minutesLate` minutes before NOW (negative: not due yet). */
  const watched = (minutesLate: number, jobId = ids()) =>
    put(trackedJob({ jobId, status: 'processing', nextCheckAt: minutesBefore(minutesLate) }));

  /** A completed job owing its notification, due `minutesLate` minutes before NOW. */
  const owed = (minutesLate: number, jobId = ids()) =>
    put(
      trackedJob({
        jobId,
        status: 'completed',
        nextCheckAt: minutesBefore(minutesLate),
        snapshot: snapshot({ job_id: jobId, status: 'completed' }),
        notificationOwed: {
          eventId: `${jobId}:completed`,
          status: 'completed',
          previousStatus: 'processing',
          detectedAt: minutesBefore(minutesLate),
          deliveredChannels: [],
        },
      }),
    );

  async function pagesOf(pages: AsyncIterable<TrackedJob[]>): Promise<string[][]> {
    const found: string[][] = [];
    for await (const page of pages) found.push(page.map((job) => job.jobId));
    return found;
  }

  async function indexEntries(indexName: string): Promise<Record<string, unknown>[]> {
    const { Items } = await backend.client.send(
      new ScanCommand({ TableName: tableName, IndexName: indexName }),
    );
    return (Items ?? []).sort((a, b) => String(a.pk?.S).localeCompare(String(b.pk?.S)));
  }

  it('hands out the due jobs most overdue first across pages, whatever their key order, and none not due yet', async () => {
    // Job ids in key order, due in the reverse order: the index alone would hand them out by key.
    const byKey = Array.from({ length: 5 }, ids).sort();
    for (const [index, jobId] of byKey.entries()) await watched(index + 1, jobId);
    const notYet = await watched(-1);
    const justDue = await watched(0);

    const pages = await pagesOf(store.dueJobs(NOW, 2));

    expect(pages).toEqual([
      [byKey[4], byKey[3]],
      [byKey[2], byKey[1]],
      [byKey[0], justDue.jobId],
    ]);
    expect(pages.flat()).not.toContain(notYet.jobId);
  });

  it('reads the owed partition first, each part most overdue first, and only the owed one for a paused tick', async () => {
    const late = await watched(10);
    const later = await watched(20);
    const owedLate = await owed(1);
    const owedLater = await owed(5);
    // Leased by a tick that is publishing it: not due until the lease runs out.
    const leased = await owed(-3);

    expect((await pagesOf(store.dueJobs(NOW, 10))).flat()).toEqual([
      owedLater.jobId,
      owedLate.jobId,
      later.jobId,
      late.jobId,
    ]);
    expect(await pagesOf(store.dueNotifications(NOW, 10))).toEqual([[owedLater.jobId, owedLate.jobId]]);
    expect((await pagesOf(store.dueNotifications(minutesBefore(-3), 10))).flat()).toContain(leased.jobId);
  });

  it('reads each due job once: one that stops being due while the tick works through the pages is left out', async () => {
    const jobs = [];
    for (const minutes of [6, 5, 4, 3, 2, 1]) jobs.push(await watched(minutes));
    const [first, second, third, fourth, fifth, sixth] = jobs.map((job) => job.jobId);
    const pages = store.dueJobs(NOW, 2)[Symbol.asyncIterator]();
    const page = await pages.next();
    expect(page.done === true ? [] : page.value.map((job) => job.jobId)).toEqual([first, second]);

    // Meanwhile the first job is checked again (still due now, later than the rest) and another
    // tick checks the fifth (next due in an hour). The second page is already being read (one page
    // ahead), so the change is made on the third: a change to a job of the page read ahead is
    // caught by the check's conditional write instead.
    const reschedule = (jobId: string | undefined, nextCheckAt: string) =>
      documentClient(backend.client).send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: `JOB#${String(jobId)}` },
          UpdateExpression: 'SET next_check_at = :next',
          ExpressionAttributeValues: { ':next': nextCheckAt },
        }),
      );
    await reschedule(first, minutesBefore(0.5));
    await reschedule(fifth, minutesBefore(-60));

    const rest: string[] = [];
    for (let next = await pages.next(); next.done !== true; next = await pages.next()) {
      rest.push(...next.value.map((job) => job.jobId));
    }
    expect(rest).toEqual([third, fourth, sixth]);
  });

  it('a routine check moves only the due entry’s next_check_at: its keys stay, the listing entries do not change', async () => {
    const job = await watched(1);
    const dueBefore = await indexEntries(JOBS_TABLE.dueIndex.name);
    const listingBefore = [
      await indexEntries(JOBS_TABLE.listIndex.name),
      await indexEntries(JOBS_TABLE.statusIndex.name),
    ];

    const { verdict, update } = decideAfterAnswer(
      job,
      snapshot({ job_id: job.jobId, status: 'processing', success_count: 5_000 }),
      NOW,
      POLICY,
    );
    expect(verdict).toBe('unchanged');
    await store.applyUpdate(job, update);

    const dueAfter = await indexEntries(JOBS_TABLE.dueIndex.name);
    expect(dueAfter).toEqual([
      {
        watch_queue: dueBefore[0]?.watch_queue,
        pk: dueBefore[0]?.pk,
        next_check_at: { S: update.nextCheckAt },
      },
    ]);
    expect(update.nextCheckAt).not.toBe(job.nextCheckAt);
    expect([
      await indexEntries(JOBS_TABLE.listIndex.name),
      await indexEntries(JOBS_TABLE.statusIndex.name),
    ]).toEqual(listingBefore);
  });
});
