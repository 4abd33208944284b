import { describe, expect, it } from 'vitest';
import { InMemoryJobStore } from '../../bench/in-memory-job-store.js';
import type { JobUpdate } from '../../functions/core/domain/check-decision.js';
import { ConcurrentUpdateError, JobAlreadyTrackedError } from '../../functions/core/domain/errors.js';
import type { TrackedJob } from '../../functions/core/domain/job.js';
import { JobStatus } from '../../functions/core/domain/job-status.js';

const T0 = '2026-11-29T10:00:00.000Z';
const minutes = (n: number): string => new Date(Date.parse(T0) + n * 60_000).toISOString();

async function pagesOf(pages: AsyncIterable<TrackedJob[]>): Promise<string[][]> {
  const seen: string[][] = [];
  for await (const page of pages) seen.push(page.map((job) => job.jobId));
  return seen;
}

function update(nextCheckAt: string, extra: Partial<JobUpdate> = {}): JobUpdate {
  return {
    status: JobStatus.Processing,
    lastCheckedAt: T0,
    nextCheckAt,
    consecutiveErrors: 0,
    consecutiveNotFound: 0,
    lastError: null,
    ...extra,
  };
}

// The bench's tick-throughput ratio on the in-memory store is only worth what this store does.
describe('the bench in-memory job store', () => {
  it('pages the due jobs owed notifications first, then earliest first, and leaves out the rest', async () => {
    const store = new InMemoryJobStore();
    for (const [jobId, at] of [
      ['c', 3],
      ['a', 1],
      ['b', 2],
      ['later', 90],
      ['owed', 5],
    ] as const) {
      await store.track({ jobId, label: null, metadata: {}, trackedAt: minutes(at) });
    }
    const owed = await store.get('owed');
    if (!owed) throw new Error('tracked job missing');
    const notificationOwed = {
      eventId: 'owed:completed',
      status: JobStatus.Completed,
      previousStatus: JobStatus.Processing,
      detectedAt: T0,
      deliveredChannels: [],
    };
    await store.applyUpdate(owed, update(minutes(4), { status: JobStatus.Completed, notificationOwed }));

    expect(await pagesOf(store.dueJobs(minutes(10), 2))).toEqual([['owed'], ['a', 'b'], ['c']]);
    expect(await pagesOf(store.dueNotifications(minutes(10), 2))).toEqual([['owed']]);
  });

  it('refuses a second track and a write from a stale read, as the DynamoDB store does', async () => {
    const store = new InMemoryJobStore();
    const job = await store.track({ jobId: 'a', label: null, metadata: {}, trackedAt: T0 });
    await expect(store.track({ jobId: 'a', label: null, metadata: {}, trackedAt: T0 })).rejects.toThrow(
      JobAlreadyTrackedError,
    );
    const updated = await store.applyUpdate(job, update(minutes(30)));
    expect(updated).toMatchObject({ version: 2, nextCheckAt: minutes(30), status: JobStatus.Processing });
    await expect(store.applyUpdate(job, update(minutes(60)))).rejects.toThrow(ConcurrentUpdateError);
    expect(await pagesOf(store.dueJobs(minutes(10), 100))).toEqual([]);
  });
});
