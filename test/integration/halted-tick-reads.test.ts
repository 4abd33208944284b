import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StaticApiKey } from '../../functions/core/adapters/api-key.js';
import { encodeJobItem } from '../../functions/core/adapters/dynamodb/job-item.js';
import { CompanyEnrichStatusApi } from '../../functions/core/adapters/companyenrich-status-api.js';
import type { TrackedJob } from '../../functions/core/domain/job.js';
import { fieldsOf } from '../../functions/core/domain/watcher-state.js';
import type { JobStore, Notifier } from '../../functions/core/ports.js';
import { documentClient } from '../../functions/core/wiring.js';
import { randomUuid, seededRandom } from '../../local/random.js';
import { snapshot, trackedJob } from '../support/builders.js';
import { startWatcher, type Watcher } from '../support/watcher-harness.js';

// More owed jobs than fit one page (the test policy reads 7 per page).
const WATCHED_JOBS = 191;
const OWED_JOBS = 9;

/** Counts the jobs the tick reads from the table, whichever way it pages. */
function countingReads(store: JobStore): { jobs: JobStore; read: () => number } {
  let read = 0;
  async function* counted(pages: AsyncIterable<TrackedJob[]>): AsyncIterable<TrackedJob[]> {
    for await (const page of pages) {
      read += page.length;
      yield page;
    }
  }
  const jobs: JobStore = Object.create(store) as JobStore;
  jobs.dueJobs = (now, pageSize, options) => counted(store.dueJobs(now, pageSize, options));
  jobs.dueNotifications = (now, pageSize, options) => counted(store.dueNotifications(now, pageSize, options));
  return { jobs, read: () => read };
}

/** A notifier whose every publish fails, as in an SNS outage. */
function brokenNotifier(): Notifier {
  return {
    channels: ['events'],
    publish: () => Promise.reject(new Error('SNS is down')),
  };
}

describe('a tick that may not call the API reads only the jobs it can act on', () => {
  let watcher: Watcher;
  const ids = (() => {
    const random = seededRandom(8);
    return () => randomUuid(random);
  })();

  /** 191 watched jobs due now and 9 that owe a notification, 200 due in all. */
  async function seedDueJobs(): Promise<string[]> {
    const now = watcher.clock.now().toISOString();
    const documents = documentClient(watcher.clients.dynamoDb);
    const put = (job: TrackedJob) =>
      documents.send(new PutCommand({ TableName: watcher.tableName, Item: encodeJobItem(job) }));
    for (let index = 0; index < WATCHED_JOBS; index += 1) {
      await put(trackedJob({ jobId: ids(), status: 'processing', nextCheckAt: now }));
    }
    const owed: string[] = [];
    for (let index = 0; index < OWED_JOBS; index += 1) {
      const jobId = ids();
      owed.push(jobId);
      await put(
        trackedJob({
          jobId,
          status: 'completed',
          nextCheckAt: now,
          snapshot: snapshot({ job_id: jobId, status: 'completed' }),
          notificationOwed: {
            eventId: `${jobId}:completed`,
            status: 'completed',
            previousStatus: 'processing',
            detectedAt: now,
            deliveredChannels: [],
          },
        }),
      );
    }
    return owed;
  }

  // A watcher (table, topics, simulator) per test: each counts the reads of its own 200 jobs.
  beforeEach(async () => {
    watcher = await startWatcher({ seed: 8 });
  });
  afterEach(async () => {
    await watcher.stop();
  });

  it('with the API paused after a 429, reads and delivers only the owed notifications', async () => {
    const owed = await seedDueJobs();
    const state = await watcher.watcherState.getWatcherState();
    await watcher.watcherState.saveWatcherState(state, {
      ...fieldsOf(state),
      throttledUntil: new Date(watcher.clock.now().getTime() + 10 * 60_000).toISOString(),
    });
    const counting = countingReads(watcher.store);

    const summary = await watcher.tick({ jobs: counting.jobs });

    expect(summary).toMatchObject({ halted: 'throttled', checked: 0, notified: OWED_JOBS });
    expect(counting.read()).toBe(OWED_JOBS);
    const delivered = (await watcher.delivered()).map(
      (envelope) => envelope.MessageAttributes?.job_id?.Value,
    );
    expect(delivered.sort()).toEqual([...owed].sort());
  });

  it('with the key refused, sends one probe and reads no further than the probe page', async () => {
    await seedDueJobs();
    const counting = countingReads(watcher.store);
    const refusedKey = new CompanyEnrichStatusApi({
      baseUrl: watcher.simulatorUrl,
      apiKeys: new StaticApiKey('ce_revoked_key'),
      timeoutMs: watcher.deps.policy.requestTimeoutMs,
    });

    const summary = await watcher.tick({ jobs: counting.jobs, statusApi: refusedKey });

    expect(summary).toMatchObject({ halted: 'unauthorized', notified: OWED_JOBS });
    // The owed notifications, then the page the probe came from: not the 191 watched jobs. Exactly
    // that many: each partition's due set is fixed before its first page, so a job the tick
    // changes meanwhile (an owed one claimed and settled) is never read a second time.
    expect(counting.read()).toBe(OWED_JOBS + watcher.deps.policy.pageSize);
  });

  it('a notification a check made owed, and one owed since before the owed partition, reach a paused tick', async () => {
    const ended = await watcher.createAndTrack({
      totalDomains: 10,
      pendingMs: 0,
      processingMs: 0,
      completingMs: 0,
      outcome: 'completed',
    });
    await watcher.breakTopic('events');
    const first = await watcher.tickAfter(60_000);
    expect(first).toMatchObject({ transitions: 1, notified: 0 });
    await watcher.repairTopic('events');
    // Written by the previous version: owed, but in the `watched` partition.
    const legacy = randomUuid(seededRandom(9));
    const now = watcher.clock.now().toISOString();
    const item = encodeJobItem(
      trackedJob({
        jobId: legacy,
        status: 'failed',
        nextCheckAt: now,
        notificationOwed: {
          eventId: `${legacy}:failed`,
          status: 'failed',
          previousStatus: 'processing',
          detectedAt: now,
          deliveredChannels: [],
        },
      }),
    );
    await documentClient(watcher.clients.dynamoDb).send(
      new PutCommand({ TableName: watcher.tableName, Item: { ...item, watch_queue: 'watched' } }),
    );

    // The API is open: the legacy item is read with the watched jobs and claimed into `owed`.
    const open = await watcher.tickAfter(6 * 60_000, { notifier: brokenNotifier() });
    expect(open.errors).toMatchObject({ publish_failed: 2 });
    const state = await watcher.watcherState.getWatcherState();
    await watcher.watcherState.saveWatcherState(state, {
      ...fieldsOf(state),
      throttledUntil: new Date(watcher.clock.now().getTime() + 60 * 60_000).toISOString(),
    });
    const counting = countingReads(watcher.store);

    const paused = await watcher.tickAfter(6 * 60_000, { jobs: counting.jobs });

    expect(paused).toMatchObject({ halted: 'throttled', notified: 2 });
    expect(counting.read()).toBe(2);
    const delivered = (await watcher.delivered()).map(
      (envelope) => envelope.MessageAttributes?.job_id?.Value,
    );
    expect(delivered.sort()).toEqual([ended, legacy].sort());
  });
});
