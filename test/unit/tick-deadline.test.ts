import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ABORT_RESERVE_MS,
  TickDeadline,
  WRITE_RESERVE_MS,
} from '../../functions/core/use-cases/poll-tick/tick-deadline.js';
import type { Clock } from '../../functions/core/ports.js';

const START = new Date('2026-11-29T10:00:00.000Z');
const REQUEST_TIMEOUT_MS = 2_000;
/** A check may start only while this much time is left before the deadline. */
const NEEDED_MS = REQUEST_TIMEOUT_MS + WRITE_RESERVE_MS;

/** The faked Date, so the clock the deadline reads and its hard-stop timer move together. */
const clock: Clock = { now: () => new Date() };

function deadlineIn(ms: number | null, signal?: AbortSignal): TickDeadline {
  return new TickDeadline({
    deadline: ms === null ? null : new Date(START.getTime() + ms),
    signal,
    clock,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
  });
}

describe('tick deadline', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: START });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lets checks start while a request timeout plus the write reserve is left, and not a millisecond after', () => {
    const deadline = deadlineIn(20_000);

    vi.advanceTimersByTime(20_000 - NEEDED_MS);
    expect(deadline.timeToStop()).toBeNull();
    vi.advanceTimersByTime(1);
    expect(deadline.timeToStop()).toBe('deadline');
    // Starting no check is not the hard stop: requests already under way may still finish.
    expect(deadline.signal.aborted).toBe(false);
    deadline.dispose();
  });

  it('aborts requests in flight shortly before the deadline, so the tick can still return', () => {
    const deadline = deadlineIn(20_000);

    vi.advanceTimersByTime(20_000 - ABORT_RESERVE_MS - 1);
    expect(deadline.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(deadline.signal.aborted).toBe(true);
    expect((deadline.signal.reason as Error).message).toBe('Tick deadline reached');
    expect(deadline.timeToStop()).toBe('deadline');
    deadline.dispose();
  });

  it('stops at once when the deadline is too close or already past', () => {
    const tooClose = deadlineIn(NEEDED_MS - 1);
    const past = deadlineIn(-5_000);

    expect(tooClose.timeToStop()).toBe('deadline');
    expect(past.timeToStop()).toBe('deadline');
    // The hard stop of a past deadline fires on the next turn rather than never.
    expect(past.signal.aborted).toBe(false);
    vi.advanceTimersByTime(0);
    expect(past.signal.aborted).toBe(true);
    tooClose.dispose();
    past.dispose();
  });

  it('never stops a tick without a deadline, and starts no timer for it', () => {
    const deadline = deadlineIn(null);

    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(24 * 3_600_000);
    expect(deadline.timeToStop()).toBeNull();
    expect(deadline.signal.aborted).toBe(false);
    deadline.dispose();
  });

  it("reports 'aborted' and aborts requests in flight when the caller aborts", () => {
    const caller = new AbortController();
    const deadline = deadlineIn(20_000, caller.signal);
    expect(deadline.timeToStop()).toBeNull();

    const reason = new Error('Ctrl-C');
    caller.abort(reason);

    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.signal.reason).toBe(reason);
    expect(deadline.timeToStop()).toBe('aborted');
    deadline.dispose();
  });

  it("reports 'aborted' from the start when the caller's signal was aborted before the tick", () => {
    const caller = new AbortController();
    caller.abort(new Error('stopped early'));

    const deadline = deadlineIn(null, caller.signal);

    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.timeToStop()).toBe('aborted');
    deadline.dispose();
  });

  it("reports 'aborted' when the caller aborts after the hard stop: the caller's intent is what the summary tells", () => {
    const caller = new AbortController();
    const deadline = deadlineIn(20_000, caller.signal);
    vi.advanceTimersByTime(20_000);
    expect(deadline.timeToStop()).toBe('deadline');

    caller.abort();

    expect(deadline.timeToStop()).toBe('aborted');
    deadline.dispose();
  });

  it('leaves no timer and no listener behind once disposed', () => {
    const caller = new AbortController();
    const deadline = deadlineIn(50_000, caller.signal);
    expect(vi.getTimerCount()).toBe(1);

    deadline.dispose();

    // A live timer would keep a CLI process waiting for the rest of the 50 s.
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(50_000);
    caller.abort();
    expect(deadline.signal.aborted).toBe(false);
  });
});
