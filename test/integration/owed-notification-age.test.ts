import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINUTE, startWatcher, type Watcher } from '../support/watcher-harness.js';

/**
 * What the owed-notification alarm reads (OldestOwedNotificationSeconds): each tick reports how
 * long the oldest notification or operator alert it found still owed has been waiting.
 */
describe('the age of the oldest owed notification', () => {
  let watcher: Watcher;

  beforeEach(async () => {
    watcher = await startWatcher();
  });
  afterEach(async () => {
    await watcher.stop();
  });

  it('grows while a job notification cannot be published, and drops to 0 once it is', async () => {
    await watcher.createAndTrack({
      totalDomains: 10,
      pendingMs: 0,
      processingMs: 0,
      completingMs: 0,
      outcome: 'completed',
    });
    await watcher.breakTopic('email');
    // The transition is detected now, at 10:00; its publish fails, so it stays owed.
    expect(await watcher.tick()).toMatchObject({ transitions: 1, oldestOwedSeconds: 0 });

    // The lease keeps it from the next ticks for five minutes; then each retry sees its age.
    expect((await watcher.tickAfter(MINUTE)).oldestOwedSeconds).toBe(0);
    expect((await watcher.tickAfter(4 * MINUTE)).oldestOwedSeconds).toBe(300);
    expect((await watcher.tickAfter(5 * MINUTE)).oldestOwedSeconds).toBe(600);
    await watcher.repairTopic('email');
    // Still owed when this tick read it (16 minutes): over the alarm's 900 s, then delivered.
    expect(await watcher.tickAfter(6 * MINUTE)).toMatchObject({ notified: 1, oldestOwedSeconds: 960 });
    expect((await watcher.tickAfter(MINUTE)).oldestOwedSeconds).toBe(0);
  });

  it('counts an owed operator alert too', async () => {
    const state = await watcher.watcherState.getWatcherState();
    const incident = { kind: 'unauthorized' as const, openedAt: '2026-11-29T09:40:00.000Z' };
    await watcher.watcherState.saveWatcherState(state, {
      accessIncident: incident,
      alertOwed: {
        phase: 'opened',
        incident,
        detectedAt: '2026-11-29T09:40:00.000Z',
        // Another tick holds its lease: not published by this one, but still owed and seen.
        retryAt: '2026-11-29T10:03:00.000Z',
        deliveredChannels: [],
      },
      throttledUntil: null,
      throttleStreak: 0,
    });
    expect(await watcher.tick()).toMatchObject({ alerts: 0, oldestOwedSeconds: 1200 });
  });
});
