/**
 * The publishing lease of an owed notification: taken on the real clock (never on the tick's
 * time, which a replay sets), respected by every other tick, and given back as soon as the
 * publishing attempt is over.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NotificationChannel } from '../../functions/core/domain/notification-channel.js';
import type { RenderedNotification } from '../../functions/core/domain/notification.js';
import type { Notifier } from '../../functions/core/ports.js';
import { runPollTick, type TickSummary } from '../../functions/core/use-cases/poll-tick.js';
import type { SimulatedJobPlan } from '../../local/simulator/index.js';
import { eventOf, MINUTE, startWatcher, type Watcher } from '../support/watcher-harness.js';

const FINISHES_IN_THREE_MINUTES: Omit<SimulatedJobPlan, 'createdAt'> = {
  totalDomains: 40,
  pendingMs: MINUTE,
  processingMs: MINUTE,
  completingMs: MINUTE,
  outcome: 'completed',
};

/** A notifier whose publishes wait until the test lets them go: a tick caught mid-publish. */
class HeldNotifier implements Notifier {
  readonly channels: readonly NotificationChannel[];
  /** Resolves when the first publish has started. */
  readonly entered: Promise<void>;
  private enter!: () => void;
  private release!: () => void;
  private readonly released = new Promise<void>((resolve) => (this.release = resolve));

  constructor(private readonly inner: Notifier) {
    this.channels = inner.channels;
    this.entered = new Promise((resolve) => (this.enter = resolve));
  }

  async publish(notification: RenderedNotification, channel: NotificationChannel) {
    this.enter();
    await this.released;
    return this.inner.publish(notification, channel);
  }

  letGo(): void {
    this.release();
  }
}

describe('the publishing lease of an owed notification', () => {
  let watcher: Watcher;

  beforeEach(async () => {
    watcher = await startWatcher({ seed: 808 });
  });
  afterEach(async () => {
    await watcher.stop();
  });

  /** Tracks a job that finishes, and leaves its notification owed after a failed publish. */
  async function owedAfterFailedPublish(): Promise<string> {
    const jobId = await watcher.createAndTrack(FINISHES_IN_THREE_MINUTES, 'Lease');
    watcher.clock.advance(3 * MINUTE);
    await watcher.breakTopic();
    expect(await watcher.tick()).toMatchObject({ transitions: 1, errors: { publish_failed: 1 } });
    await watcher.repairTopic();
    return jobId;
  }

  /** Runs a tick at `now` (a replay when it differs from the clock) whose publishes are held. */
  async function heldTick(now: Date): Promise<{ held: HeldNotifier; done: Promise<TickSummary> }> {
    const held = new HeldNotifier(watcher.deps.notifier);
    const done = runPollTick({ ...watcher.deps, notifier: held }, { now, deadline: null });
    await Promise.race([held.entered, done]);
    return { held, done };
  }

  async function eventIdsDelivered(): Promise<unknown[]> {
    return (await watcher.delivered()).map((envelope) => eventOf(envelope).event_id);
  }

  it('is released when the publishing attempt fails, so the next tick retries at once', async () => {
    const jobId = await owedAfterFailedPublish();

    expect(await watcher.tickAfter(MINUTE)).toMatchObject({ notified: 1 });
    expect(await eventIdsDelivered()).toEqual([`${jobId}:completed`]);
    expect((await watcher.store.get(jobId))?.notificationOwed).toBeNull();
  });

  it('taken by a tick replayed at a past time, still keeps a tick at the real time from publishing', async () => {
    const jobId = await owedAfterFailedPublish();
    const replayedAt = new Date(watcher.clock.now().getTime() + 7 * MINUTE);
    watcher.clock.advance(60 * MINUTE);

    const replay = await heldTick(replayedAt);
    const scheduled = await watcher.tick();
    replay.held.letGo();

    expect(scheduled.notified).toBe(0);
    expect((await replay.done).notified).toBe(1);
    expect(await eventIdsDelivered()).toEqual([`${jobId}:completed`]);
  });

  it('held by a tick at the real time, is not taken by a tick replayed at a future time', async () => {
    const jobId = await owedAfterFailedPublish();
    watcher.clock.advance(10 * MINUTE);

    const scheduled = await heldTick(watcher.clock.now());
    const replayed = await runPollTick(watcher.deps, {
      now: new Date(watcher.clock.now().getTime() + 60 * MINUTE),
      deadline: null,
    });
    scheduled.held.letGo();

    expect(replayed.notified).toBe(0);
    expect((await scheduled.done).notified).toBe(1);
    expect(await eventIdsDelivered()).toEqual([`${jobId}:completed`]);
  });

  it('taken by a replayed tick that records the transition runs on the real clock too', async () => {
    const jobId = await watcher.createAndTrack(FINISHES_IN_THREE_MINUTES, 'Replayed transition');
    const replayedAt = new Date(watcher.clock.now().getTime() + MINUTE);
    watcher.clock.advance(10 * MINUTE);

    const replay = await heldTick(replayedAt);
    const scheduled = await watcher.tick();
    replay.held.letGo();

    expect(scheduled.notified).toBe(0);
    expect(await replay.done).toMatchObject({ transitions: 1, notified: 1 });
    expect(await eventIdsDelivered()).toEqual([`${jobId}:completed`]);
  });
});
