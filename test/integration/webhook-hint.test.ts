import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submissionIdFor } from '../../functions/core/use-cases/jobs-application.js';
import { startApplications, type Applications } from '../support/core-applications.js';
import { startDynalite } from '../support/dynalite.js';
import { dynamoDbClientFor } from '../support/emulators.js';
import { eventOf, MINUTE } from '../support/watcher-harness.js';

const never = new AbortController().signal;
const HOUR = 60 * MINUTE;

/** Submits a job through the jobs application; returns its ids and the callback's path segments. */
async function submitted(apps: Applications, key: string) {
  const { jobId } = await apps
    .jobsApp()
    .submit({ domains: [`${key}.example`], label: key, idempotencyKey: key }, { signal: never });
  const submissionId = submissionIdFor(key);
  const url = await apps.tokens.urlFor(submissionId);
  const token = url?.split('/').at(-1) ?? '';
  return { jobId, submissionId, token };
}

describe('WebhookApplication on moto and the simulator', () => {
  let apps: Applications;

  beforeAll(async () => {
    apps = await startApplications({ seed: 31 });
  });
  afterAll(async () => {
    await apps.stop();
  });

  it('checks the job once on a valid callback and delivers its notification without a tick', async () => {
    const { jobId, submissionId, token } = await submitted(apps, 'fast-path');
    apps.clock.advance(HOUR);
    const finalStatus = apps.simulator.documentFor(jobId).status;
    await expect(apps.webhookApp().hint(submissionId, token, { signal: never })).resolves.toBe('checked');
    expect(apps.simulator.requestsFor(jobId).filter((request) => request.method === 'GET')).toHaveLength(1);
    const job = await apps.store.get(jobId);
    expect(job).toMatchObject({ status: finalStatus, notificationOwed: null, nextCheckAt: null });
    expect(job?.lastNotification?.eventId).toBe(`${jobId}:${finalStatus}`);
    const events = (await apps.delivered()).map(eventOf).filter((event) => event.job_id === jobId);
    expect(events).toHaveLength(1);
  });

  it('answers not_found for a forged or misplaced token, reading and writing nothing', async () => {
    const { jobId, submissionId, token } = await submitted(apps, 'forged');
    const before = await apps.store.get(jobId);
    const other = await submitted(apps, 'forged-other');
    const app = apps.webhookApp({
      submissions: {
        find: () => Promise.reject(new Error('a bad token must not reach the store')),
      },
    });
    for (const bad of ['A'.repeat(43), other.token, token.slice(1), '', `${token}x`]) {
      await expect(app.hint(submissionId, bad, { signal: never })).resolves.toBe('not_found');
    }
    await expect(app.hint(other.submissionId, token, { signal: never })).resolves.toBe('not_found');
    expect(await apps.store.get(jobId)).toEqual(before);
    expect(apps.simulator.requestsFor(jobId).filter((request) => request.method === 'GET')).toHaveLength(0);
  });

  it('answers not_found for a validly signed id that no submission created', async () => {
    const unknown = submissionIdFor('never-submitted');
    const token = (await apps.tokens.urlFor(unknown))?.split('/').at(-1) ?? '';
    await expect(apps.webhookApp().hint(unknown, token, { signal: never })).resolves.toBe('not_found');
  });

  it('never ends a job on a 404 or a 400 by itself: that verdict is left to the scheduled tick, which can tell a systematic answer', async () => {
    const problem = { title: 'Bad Request', status: 400, detail: 'Unknown parameter' };
    const rejected = await submitted(apps, 'rejected-by-hint');
    apps.simulator.injectFault(rejected.jobId, { kind: 'http', status: 400, body: problem }, 2);
    const missing = await submitted(apps, 'missing-by-hint');
    apps.simulator.forgetJob(missing.jobId);

    // Two 400s on separate checks would end a polled job as rejected, three 404s as not_found.
    for (let hint = 0; hint < 3; hint += 1) {
      const jobs = hint < 2 ? [rejected, missing] : [missing];
      for (const { submissionId, token } of jobs) {
        await expect(apps.webhookApp().hint(submissionId, token, { signal: never })).resolves.toBe('checked');
      }
      apps.clock.advance(MINUTE + 1);
    }

    expect((await apps.store.get(rejected.jobId))?.status).toBe('pending');
    expect((await apps.store.get(missing.jobId))?.status).toBe('pending');
    const events = (await apps.delivered()).map(eventOf);
    expect(events.filter((event) => [rejected.jobId, missing.jobId].includes(String(event.job_id)))).toEqual(
      [],
    );
  });

  it('answers already_final for a finished or untracked job, without asking the API', async () => {
    const finished = await submitted(apps, 'finished');
    apps.clock.advance(HOUR);
    await apps.webhookApp().hint(finished.submissionId, finished.token, { signal: never });
    apps.clock.advance(MINUTE + 1);
    await expect(
      apps.webhookApp().hint(finished.submissionId, finished.token, { signal: never }),
    ).resolves.toBe('already_final');
    expect(
      apps.simulator.requestsFor(finished.jobId).filter((request) => request.method === 'GET'),
    ).toHaveLength(1);

    const untracked = await submitted(apps, 'untracked');
    await apps.jobsApp().untrack(untracked.jobId);
    await expect(
      apps.webhookApp().hint(untracked.submissionId, untracked.token, { signal: never }),
    ).resolves.toBe('already_final');
    expect(apps.simulator.requestsFor(untracked.jobId)).toEqual([
      expect.objectContaining({ method: 'POST' }),
    ]);
  });
});

describe('WebhookApplication and the account-wide API gate', () => {
  let apps: Applications;

  beforeAll(async () => {
    apps = await startApplications({ seed: 41 });
  });
  afterAll(async () => {
    await apps.stop();
  });

  it('records a 429 as the watcher-wide pause, and sends nothing while it lasts', async () => {
    const first = await submitted(apps, 'throttled');
    apps.simulator.injectFault(first.jobId, { kind: 'http', status: 429, headers: { 'retry-after': '600' } });
    await expect(apps.webhookApp().hint(first.submissionId, first.token, { signal: never })).resolves.toBe(
      'checked',
    );
    const state = await apps.watcherState.getWatcherState();
    expect(state.throttledUntil).toBe(new Date(apps.clock.now().getTime() + 600_000).toISOString());

    const second = await submitted(apps, 'paused');
    await expect(apps.webhookApp().hint(second.submissionId, second.token, { signal: never })).resolves.toBe(
      'recently_checked',
    );
    expect(
      apps.simulator.requestsFor(second.jobId).filter((request) => request.method === 'GET'),
    ).toHaveLength(0);
  });
});

describe('WebhookApplication racing a poll tick (dynalite: atomic conditional writes)', () => {
  let apps: Applications;
  let dynalite: Awaited<ReturnType<typeof startDynalite>>;

  beforeAll(async () => {
    dynalite = await startDynalite();
    apps = await startApplications({ seed: 51, dynamoDb: dynamoDbClientFor(dynalite.endpoint) });
  });
  afterAll(async () => {
    await apps.stop();
    await dynalite.stop();
  });

  it('records one transition and one notification when a hint and a tick race', async () => {
    const { jobId, submissionId, token } = await submitted(apps, 'race');
    apps.clock.advance(HOUR);
    const [outcome] = await Promise.all([
      apps.webhookApp().hint(submissionId, token, { signal: never }),
      apps.tick(),
    ]);
    // Whichever gets there first records the transition; the other finds it done or loses the write.
    expect(['checked', 'already_final']).toContain(outcome);
    const job = await apps.store.get(jobId);
    expect(job?.history.at(-1)?.to).toBe(apps.simulator.documentFor(jobId).status);
    expect(new Set(job?.history.map((entry) => entry.to)).size, JSON.stringify(job?.history)).toBe(
      job?.history.length,
    );
    const events = (await apps.delivered()).map(eventOf).filter((event) => event.job_id === jobId);
    expect(events).toHaveLength(1);
  });

  it('checks at most once per window however many callbacks come', async () => {
    const { jobId, submissionId, token } = await submitted(apps, 'flood');
    const app = apps.webhookApp();
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => app.hint(submissionId, token, { signal: never })),
    );
    expect(outcomes.filter((outcome) => outcome === 'checked')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'recently_checked')).toHaveLength(4);
    expect(apps.simulator.requestsFor(jobId).filter((request) => request.method === 'GET')).toHaveLength(1);
    apps.clock.advance(MINUTE + 1);
    await expect(app.hint(submissionId, token, { signal: never })).resolves.toBe('checked');
    expect(apps.simulator.requestsFor(jobId).filter((request) => request.method === 'GET')).toHaveLength(2);
  });
});
