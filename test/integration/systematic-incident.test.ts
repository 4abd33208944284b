/**
 * While a systematic incident is open (most answers were 404, or 400/422), no job is ended by
 * that answer, even by a check that sees too few answers to tell on its own: a tick with one or
 * two due jobs, or a webhook's hint check. Found by the fault suite: during an "every request
 * answers 400" window a webhook hint's single check ended a job as rejected.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SimulatedJobPlan } from '../../local/simulator/index.js';
import { MINUTE, startWatcher, type Watcher } from '../support/watcher-harness.js';

const RUNNING: Omit<SimulatedJobPlan, 'createdAt'> = {
  totalDomains: 40,
  pendingMs: 60 * MINUTE,
  processingMs: MINUTE,
  completingMs: MINUTE,
  outcome: 'completed',
};

const PROBLEM = { title: 'Bad Request', status: 400, detail: 'Unknown parameter' };

describe('an open systematic incident', () => {
  let watcher: Watcher;

  beforeEach(async () => {
    watcher = await startWatcher({ seed: 313 });
  });
  afterEach(async () => {
    await watcher.stop();
  });

  async function openIncident(kind: 'systematic_rejected' | 'systematic_not_found'): Promise<void> {
    const state = await watcher.watcherState.getWatcherState();
    await watcher.watcherState.saveWatcherState(state, {
      accessIncident: { kind, openedAt: '2026-11-29T09:50:00.000Z' },
      alertOwed: null,
      throttledUntil: null,
      throttleStreak: 0,
    });
  }

  it('keeps a lone job from ending as rejected on the answer the incident is about', async () => {
    const jobId = await watcher.createAndTrack(RUNNING, 'Lone job');
    await openIncident('systematic_rejected');
    watcher.simulator.injectFault(jobId, { kind: 'http', status: 400, body: PROBLEM }, 3);

    await watcher.tick();
    await watcher.tickAfter(MINUTE);
    await watcher.tickAfter(MINUTE);

    expect((await watcher.store.get(jobId))?.status).toBe('pending');
    expect((await watcher.watcherState.getWatcherState()).accessIncident?.kind).toBe('systematic_rejected');
  });

  it('keeps a lone job from ending as not_found while a systematic 404 incident is open', async () => {
    const jobId = await watcher.createAndTrack(RUNNING, 'Lone job');
    await openIncident('systematic_not_found');
    watcher.simulator.forgetJob(jobId);

    for (let tick = 0; tick < 5; tick += 1) await watcher.tickAfter(MINUTE);

    expect((await watcher.store.get(jobId))?.status).toBe('pending');
  });

  it('ends the job by the per-job rules once the incident has closed', async () => {
    const healthy = await watcher.createAndTrack(RUNNING, 'Healthy');
    const rejected = await watcher.createAndTrack(RUNNING, 'Rejected');
    await openIncident('systematic_rejected');
    watcher.simulator.injectFault(rejected, { kind: 'http', status: 400, body: PROBLEM }, 10);

    // The healthy job's 2xx closes the incident at the end of the first tick.
    await watcher.tick();
    expect((await watcher.watcherState.getWatcherState()).accessIncident).toBeNull();
    await watcher.tickAfter(MINUTE);
    await watcher.tickAfter(MINUTE);

    expect((await watcher.store.get(rejected))?.status).toBe('rejected');
    expect((await watcher.store.get(healthy))?.status).toBe('pending');
  });
});
