/**
 * The publishing lease of an operator alert follows the rules of a job notification's: taken on
 * the real clock (a replayed tick's time cannot make it look run out), and given back when the
 * publishing attempt is over, so the next tick retries what is still owed at once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runPollTick } from '../../functions/core/use-cases/poll-tick.js';
import type { SimulatedJobPlan } from '../../local/simulator/index.js';
import type { SnsEnvelope } from '../support/emulators.js';
import { MINUTE, startWatcher, type Watcher } from '../support/watcher-harness.js';

const LONG_JOB: Omit<SimulatedJobPlan, 'createdAt'> = {
  totalDomains: 40,
  pendingMs: 60 * MINUTE,
  processingMs: MINUTE,
  completingMs: MINUTE,
  outcome: 'completed',
};

const eventTypes = (envelopes: SnsEnvelope[]): unknown[] =>
  envelopes.map((envelope) => envelope.MessageAttributes?.event_type?.Value);

describe('the publishing lease of an operator alert', () => {
  let watcher: Watcher;

  beforeEach(async () => {
    watcher = await startWatcher({ seed: 909 });
  });
  afterEach(async () => {
    await watcher.stop();
  });

  it('is given back when publishing fails, so the next tick retries the alert at once', async () => {
    await watcher.createAndTrack(LONG_JOB, 'Long job');
    watcher.simulator.setAccountState('unauthorized');
    await watcher.breakTopic('operator');
    expect(await watcher.tick()).toMatchObject({ halted: 'unauthorized', alerts: 0 });
    await watcher.repairTopic('operator');

    // One minute later, well inside the five-minute lease the failed attempt took.
    expect(await watcher.tickAfter(MINUTE)).toMatchObject({ halted: 'unauthorized', alerts: 1 });
    expect(eventTypes(await watcher.deliveredOn('operator'))).toEqual(['watcher.unauthorized']);
    // The events channel had it from the first attempt: it is not sent twice.
    expect(eventTypes(await watcher.delivered())).toEqual(['watcher.unauthorized']);
  });

  it('cannot be taken by a tick replayed at a later time while another tick holds it', async () => {
    const state = await watcher.watcherState.getWatcherState();
    const incident = { kind: 'unauthorized' as const, openedAt: '2026-11-29T09:59:00.000Z' };
    await watcher.watcherState.saveWatcherState(state, {
      accessIncident: incident,
      alertOwed: {
        phase: 'opened',
        incident,
        detectedAt: '2026-11-29T09:59:00.000Z',
        // Held on the real clock (10:00) for three more minutes by a tick still publishing.
        retryAt: '2026-11-29T10:03:00.000Z',
        deliveredChannels: [],
      },
      throttledUntil: null,
      throttleStreak: 0,
    });

    const replayed = await runPollTick(watcher.deps, {
      now: new Date('2026-11-30T10:00:00.000Z'),
      deadline: null,
    });

    expect(replayed.alerts).toBe(0);
    expect(await watcher.deliveredOn('operator')).toEqual([]);
    expect((await watcher.watcherState.getWatcherState()).alertOwed?.retryAt).toBe(
      '2026-11-29T10:03:00.000Z',
    );
  });
});
