import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { realSleep, TokenBucket, type Sleep } from '../../functions/core/use-cases/poll-tick/request-rate.js';
import { FakeClock } from '../support/fake-clock.js';

/** A sleep that records each wait and ends at once; `advance` also moves the clock by it. */
function countingSleep(clock: FakeClock, advance: boolean): { sleep: Sleep; waits: number[] } {
  const waits: number[] = [];
  const sleep: Sleep = (ms, signal) => {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    waits.push(ms);
    if (advance) clock.advance(ms);
    return Promise.resolve();
  };
  return { sleep, waits };
}

describe('the status request cap (token bucket)', () => {
  it('lets one second of requests through at once, then spaces the rest 1/rate apart', async () => {
    const clock = new FakeClock();
    const { sleep, waits } = countingSleep(clock, false);
    const bucket = new TokenBucket(5, clock, sleep);
    const signal = new AbortController().signal;

    const taken = await Promise.all(Array.from({ length: 20 }, () => bucket.take(signal)));

    expect(taken.every(Boolean)).toBe(true);
    // 20 requests at once, 5 per second with a burst of 5: the 6th waits 200 ms, the 20th 3 s.
    expect(waits).toEqual(Array.from({ length: 15 }, (_, index) => (index + 1) * 200));
  });

  it('never lets more than the burst plus one second of rate through in any second', async () => {
    const clock = new FakeClock();
    const { sleep } = countingSleep(clock, true);
    const bucket = new TokenBucket(10, clock, sleep);
    const signal = new AbortController().signal;
    const sentAt: number[] = [];
    for (let request = 0; request < 50; request += 1) {
      if (await bucket.take(signal)) sentAt.push(clock.now().getTime());
    }

    const busiestSecond = Math.max(
      ...sentAt.map((start) => sentAt.filter((t) => t >= start && t < start + 1_000).length),
    );
    expect(sentAt).toHaveLength(50);
    expect(busiestSecond).toBeLessThanOrEqual(20);
    // After the burst of 10, one request every 100 ms: the 50th goes 4 seconds in.
    expect(Math.max(...sentAt) - Math.min(...sentAt)).toBe(4_000);
  });

  it('sends nothing when the tick is cut short while waiting, and keeps the token for later', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const sleep: Sleep = (_ms, signal) => {
      controller.abort(new Error('deadline'));
      return Promise.reject(signal.reason as Error);
    };
    const bucket = new TokenBucket(1, clock, sleep);

    expect(await bucket.take(controller.signal)).toBe(true);
    expect(await bucket.take(controller.signal)).toBe(false);
    // A second later one token has come back: the aborted wait did not consume it.
    clock.advance(1_000);
    expect(await bucket.take(new AbortController().signal)).toBe(true);
  });

  it('rejects a rate that is not positive', () => {
    expect(() => new TokenBucket(0, new FakeClock())).toThrow(RangeError);
  });
});

describe('the real sleep behind the cap', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps one abort listener however many checks wait on the tick signal, and none once they end', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const clock = { now: () => new Date() };
    const bucket = new TokenBucket(10, clock, realSleep);
    const signal = new AbortController().signal;
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning.name);
    };
    process.on('warning', onWarning);
    try {
      // 64 checks at once, 10 a second: 54 of them wait on the one signal.
      const taken = Array.from({ length: 64 }, () => bucket.take(signal));
      expect(getEventListeners(signal, 'abort')).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(6_000);
      expect(await Promise.all(taken)).toEqual(Array.from({ length: 64 }, () => true));
      expect(getEventListeners(signal, 'abort')).toHaveLength(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('ends every wait on the signal at once when it aborts, and leaves other signals waiting', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const tick = new AbortController();
    const other = new AbortController();
    const waits = Array.from({ length: 20 }, () => realSleep(60_000, tick.signal));
    const untouched = realSleep(1_000, other.signal);
    const reason = new Error('deadline');
    tick.abort(reason);
    for (const wait of waits) await expect(wait).rejects.toBe(reason);
    expect(getEventListeners(tick.signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(other.signal, 'abort')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(untouched).resolves.toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
    await expect(realSleep(10, tick.signal)).rejects.toBe(reason);
  });
});
