import { describe, expect, it } from 'vitest';
import { decideAfterAnswer, type DecisionPolicy } from '../../functions/core/domain/check-decision.js';
import {
  healthyCheckDelayMs,
  WEBHOOK_MAX_DELAY_MS,
  WEBHOOK_STRETCH,
  type CadencePolicy,
} from '../../functions/core/domain/cadence.js';
import { JobStatus } from '../../functions/core/domain/job-status.js';
import { snapshot, T0, trackedJob } from '../support/builders.js';

const MINUTE = 60_000;
const policy: CadencePolicy = { pollIntervalMs: MINUTE, maxBackoffMs: 30 * MINUTE };

describe('healthyCheckDelayMs', () => {
  it.each([
    [5 * MINUTE, MINUTE],
    [30 * MINUTE, 2 * MINUTE],
    [3 * 60 * MINUTE, 5 * MINUTE],
  ])('checks a job without a webhook by its age (%i ms old: every %i ms)', (age, delay) => {
    expect(healthyCheckDelayMs(JobStatus.Processing, age, policy)).toBe(delay);
    expect(healthyCheckDelayMs(JobStatus.Processing, age, policy, { webhook: false })).toBe(delay);
  });

  it.each([
    [5 * MINUTE, 3 * MINUTE],
    [30 * MINUTE, 6 * MINUTE],
    [3 * 60 * MINUTE, 15 * MINUTE],
  ])('polls a webhook job three times more sparsely (%i ms old: every %i ms)', (age, delay) => {
    expect(WEBHOOK_STRETCH).toBe(3);
    expect(healthyCheckDelayMs(JobStatus.Pending, age, policy, { webhook: true })).toBe(delay);
  });

  it('never leaves a webhook job unchecked for more than 15 minutes', () => {
    const slower: CadencePolicy = { ...policy, pollIntervalMs: 2 * MINUTE };
    // Old job: 5 intervals = 10 minutes, tripled would be 30; capped at 15.
    expect(healthyCheckDelayMs(JobStatus.Processing, 3 * 60 * MINUTE, slower, { webhook: true })).toBe(
      WEBHOOK_MAX_DELAY_MS,
    );
  });

  it('never polls a webhook job more often than one without', () => {
    // A schedule slower than the cap: the stretch cannot make it more frequent.
    const hourly: CadencePolicy = { ...policy, pollIntervalMs: 60 * MINUTE };
    expect(healthyCheckDelayMs(JobStatus.Processing, 0, hourly, { webhook: true })).toBe(60 * MINUTE);
  });

  it('checks completing at the base interval, webhook or not', () => {
    expect(healthyCheckDelayMs(JobStatus.Completing, 3 * 60 * MINUTE, policy)).toBe(MINUTE);
    expect(healthyCheckDelayMs(JobStatus.Completing, 3 * 60 * MINUTE, policy, { webhook: true })).toBe(
      MINUTE,
    );
  });
});

describe('the check decision of a webhook job', () => {
  const decisionPolicy: DecisionPolicy = {
    ...policy,
    notFoundLimit: 3,
    notificationLeaseMs: 5 * MINUTE,
    retentionMs: null,
  };

  it('schedules its next check by the stretched cadence when there is no progress to learn from', () => {
    const now = '2026-11-29T10:05:00.000Z';
    const answer = snapshot({ status: 'processing', created_at: T0, success_count: 0, failed_count: 0 });
    const plain = decideAfterAnswer(trackedJob(), answer, now, decisionPolicy);
    const hooked = decideAfterAnswer(trackedJob({ webhook: true }), answer, now, decisionPolicy);
    expect(plain.update.nextCheckAt).toBe('2026-11-29T10:06:00.000Z');
    expect(hooked.update.nextCheckAt).toBe('2026-11-29T10:08:00.000Z');
  });
});
