import { describe, expect, it } from 'vitest';
import { DEFAULT_MIX, jobMix } from '../../bench/polling/job-mix.js';
import { replayJob, simulateStrategy } from '../../bench/polling/simulate.js';
import { BENCH_POLICY, everyInterval, type PollingStrategy } from '../../bench/polling/strategies.js';

const MINUTE = 60_000;
// A smaller mix than the report's keeps the test quick; the properties do not depend on size.
const jobs = jobMix({ ...DEFAULT_MIX, jobs: 300 });

describe('the polling simulation', () => {
  it('shows infinite latency for a strategy that never checks again', () => {
    const never: PollingStrategy = {
      name: 'never',
      tickMs: BENCH_POLICY.pollIntervalMs,
      nextDelayMs: () => Infinity,
    };
    const result = simulateStrategy(jobs, never);
    expect(result.completion.p50).toBe(Number.POSITIVE_INFINITY);
    expect(result.failure.max).toBe(Number.POSITIVE_INFINITY);
  });

  it('sees every job within one interval when checking on every tick', () => {
    const result = simulateStrategy(jobs, everyInterval);
    expect(result.completion.max).toBeLessThanOrEqual(BENCH_POLICY.pollIntervalMs);
    expect(result.failure.max).toBeLessThanOrEqual(BENCH_POLICY.pollIntervalMs);
    expect(result.completion.jobs + result.failure.jobs).toBe(300);
  });

  it('counts one call per check, up to the one that sees the end', () => {
    const job = {
      createdAtMs: 30_000,
      startedAtMs: 60_000,
      endMs: 5 * MINUTE + 10_000,
      outcome: 'completed' as const,
      total: 10,
      knots: [
        { atMs: 60_000, done: 0 },
        { atMs: 5 * MINUTE + 10_000, done: 10 },
      ],
      stalled: false,
    };
    // Ticks at 1..6 minutes: the sixth sees the end, 50 seconds after it.
    expect(replayJob(job, everyInterval)).toEqual({ calls: 6, latencyMs: 50_000 });
  });

  it('draws the same mix from the same seed: realistic durations, about 10% failing, a few stalling', () => {
    const mix = jobMix();
    expect(mix).toEqual(jobMix());
    expect(mix).toHaveLength(2_000);
    const durations = mix
      .filter((j) => !j.stalled && j.outcome === 'completed')
      .map((j) => j.endMs - j.createdAtMs);
    expect(Math.min(...durations)).toBeGreaterThanOrEqual(2 * MINUTE - 1);
    expect(Math.max(...durations)).toBeLessThanOrEqual(8 * 60 * MINUTE + 1);
    const failing = mix.filter((j) => j.outcome === 'failed').length / mix.length;
    expect(failing).toBeGreaterThan(0.07);
    expect(failing).toBeLessThan(0.13);
    expect(mix.filter((j) => j.stalled).length).toBeGreaterThan(0);
  });
});
