import { describe, expect, it } from 'vitest';
import { healthyCheckDelayMs, type CadencePolicy } from '../../functions/core/domain/cadence.js';
import {
  ETA_MAX_GAP_MS,
  estimatedRemainingMs,
  etaCheckDelayMs,
  type EtaCadenceInput,
} from '../../functions/core/domain/eta-cadence.js';
import { JobStatus } from '../../functions/core/domain/job-status.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const policy: CadencePolicy = { pollIntervalMs: MINUTE, maxBackoffMs: 30 * MINUTE };
const START = 1_000_000_000;

/** A processing job started at START, observed `elapsed` later with `done` of `total` items. */
function processing(elapsed: number, done: number | null, total: number | null): EtaCadenceInput {
  return {
    status: JobStatus.Processing,
    jobAgeMs: elapsed,
    startedAtMs: START,
    latest: { atMs: START + elapsed, done, total },
    previous: null,
  };
}

const todays = (input: EtaCadenceInput): number =>
  healthyCheckDelayMs(input.status, input.jobAgeMs, policy, { webhook: input.webhook });

describe('estimatedRemainingMs', () => {
  it('extrapolates the average rate since started_at', () => {
    // 25% in 30 minutes: 90 minutes left.
    expect(estimatedRemainingMs(processing(30 * MINUTE, 2_500, 10_000))).toBe(90 * MINUTE);
  });

  it('has no estimate without progress, without a start, or with counts going backwards', () => {
    expect(estimatedRemainingMs(processing(30 * MINUTE, 0, 10_000))).toBeNull();
    expect(estimatedRemainingMs(processing(30 * MINUTE, null, 10_000))).toBeNull();
    expect(estimatedRemainingMs({ ...processing(30 * MINUTE, 2_500, 10_000), startedAtMs: null })).toBeNull();
    const backwards = {
      ...processing(30 * MINUTE, 2_500, 10_000),
      previous: { atMs: START + 25 * MINUTE, done: 3_000, total: 10_000 },
    };
    expect(estimatedRemainingMs(backwards)).toBeNull();
  });

  it('distrusts the estimate when the rate moved more than twofold since the previous check', () => {
    const stalled = {
      ...processing(60 * MINUTE, 2_000, 10_000),
      previous: { atMs: START + 20 * MINUTE, done: 2_000, total: 10_000 },
    };
    expect(estimatedRemainingMs(stalled)).toBeNull();
    const steady = { ...stalled, previous: { atMs: START + 48 * MINUTE, done: 1_600, total: 10_000 } };
    expect(estimatedRemainingMs(steady)).toBe(240 * MINUTE);
  });
});

describe('etaCheckDelayMs', () => {
  it('checks far from the end sparsely, but never more than the maximum gap apart', () => {
    expect(ETA_MAX_GAP_MS).toBe(10 * MINUTE);
    // 90 minutes left: 45% would be 40.5 minutes, capped.
    expect(etaCheckDelayMs(processing(30 * MINUTE, 2_500, 10_000), policy)).toBe(ETA_MAX_GAP_MS);
  });

  it('checks tighter as the estimated end approaches, down to the interval', () => {
    // 16 minutes left: after 7.2 minutes; 2 minutes left: every interval.
    expect(etaCheckDelayMs(processing(48 * MINUTE, 7_500, 10_000), policy)).toBe(7.2 * MINUTE);
    expect(etaCheckDelayMs(processing(118 * MINUTE, 9_833, 10_000), policy)).toBe(MINUTE);
  });

  it('checks every interval once the estimate is already past', () => {
    expect(etaCheckDelayMs(processing(3 * HOUR, 10_000, 10_000), policy)).toBe(MINUTE);
  });

  it('caps a huge job at the maximum gap', () => {
    expect(etaCheckDelayMs(processing(10 * MINUTE, 1, 1_000_000_000), policy)).toBe(ETA_MAX_GAP_MS);
  });

  it('checks a tiny job every interval once it has moved, and by age before', () => {
    expect(etaCheckDelayMs(processing(MINUTE, 1, 2), policy)).toBe(MINUTE);
    const untouched = processing(MINUTE, 0, 1);
    expect(etaCheckDelayMs(untouched, policy)).toBe(todays(untouched));
  });

  it.each([
    ['pending', { ...processing(3 * HOUR, 2_500, 10_000), status: JobStatus.Pending }],
    ['zero counts', processing(3 * HOUR, 0, 10_000)],
    ['no total', processing(3 * HOUR, 2_500, null)],
    [
      'counts going backwards',
      {
        ...processing(3 * HOUR, 2_500, 10_000),
        previous: { atMs: START + HOUR, done: 3_000, total: 10_000 },
      },
    ],
  ])('falls back to the age-based cadence on %s', (_case, input) => {
    expect(etaCheckDelayMs(input, policy)).toBe(5 * MINUTE);
    expect(etaCheckDelayMs(input, policy)).toBe(todays(input));
  });

  it('checks completing at the interval, as before', () => {
    const completing = { ...processing(3 * HOUR, 9_000, 10_000), status: JobStatus.Completing };
    expect(etaCheckDelayMs(completing, policy)).toBe(MINUTE);
  });

  it('stretches a webhook job near its end, within the same maximum gap', () => {
    const nearEnd = { ...processing(118 * MINUTE, 9_833, 10_000), webhook: true };
    expect(etaCheckDelayMs(nearEnd, policy)).toBe(3 * MINUTE);
    const farAway = { ...processing(30 * MINUTE, 2_500, 10_000), webhook: true };
    expect(etaCheckDelayMs(farAway, policy)).toBe(ETA_MAX_GAP_MS);
  });

  it('never checks more often than the schedule runs', () => {
    const hourly: CadencePolicy = { ...policy, pollIntervalMs: HOUR };
    expect(etaCheckDelayMs(processing(30 * MINUTE, 2_500, 10_000), hourly)).toBe(HOUR);
  });
});
