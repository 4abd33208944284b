import { beforeEach, describe, expect, it } from 'vitest';
import {
  CheckVerdict,
  decideAfterAnswer,
  decideAfterError,
} from '../../functions/core/domain/check-decision.js';
import { ApiThrottledError, StatusApiError } from '../../functions/core/domain/errors.js';
import { seededRandom } from '../../local/random.js';
import { JOB_ID, POLICY, snapshot, T0, trackedJob } from '../support/builders.js';

const NOW = '2026-11-29T10:05:00.000Z';

describe('decideAfterAnswer', () => {
  it('records a forward move as a transition with the counts at that moment', () => {
    const decision = decideAfterAnswer(trackedJob(), snapshot({ status: 'processing' }), NOW, POLICY);

    expect(decision.verdict).toBe(CheckVerdict.Transition);
    expect(decision.update.status).toBe('processing');
    expect(decision.update.appendHistory).toEqual({
      from: 'pending',
      to: 'processing',
      at: NOW,
      counts: { total_domains: 10_000, success_count: 4_000, failed_count: 12, credits_charged: 0 },
    });
    expect(decision.update.notificationOwed).toBeUndefined();
    expect(decision.update.nextCheckAt).toBe('2026-11-29T10:06:00.000Z');
  });

  it('accepts skipped statuses and owes one notification with a stable event id', () => {
    const decision = decideAfterAnswer(trackedJob(), snapshot({ status: 'completed' }), NOW, POLICY);

    expect(decision.verdict).toBe(CheckVerdict.Transition);
    expect(decision.update.appendHistory?.from).toBe('pending');
    expect(decision.update.appendHistory?.to).toBe('completed');
    expect(decision.update.notificationOwed).toEqual({
      eventId: `${JOB_ID}:completed`,
      status: 'completed',
      previousStatus: 'pending',
      detectedAt: NOW,
      deliveredChannels: [],
    });
    // Stays due only until the lease runs out, in case the publish never happens.
    expect(decision.update.nextCheckAt).toBe('2026-11-29T10:10:00.000Z');
    expect(decision.update.expiresAt).toBe(Date.parse('2027-02-27T10:05:00.000Z') / 1000);
  });

  it('sets no expiry when retention is unlimited', () => {
    const decision = decideAfterAnswer(trackedJob(), snapshot({ status: 'failed' }), NOW, {
      ...POLICY,
      retentionMs: null,
    });
    expect(decision.update.notificationOwed?.status).toBe('failed');
    expect(decision.update.expiresAt).toBeUndefined();
  });

  it('ignores a status that went backwards and keeps the recorded snapshot', () => {
    const job = trackedJob({ status: 'completing' });
    const decision = decideAfterAnswer(job, snapshot({ status: 'processing' }), NOW, POLICY);

    expect(decision.verdict).toBe(CheckVerdict.RegressionIgnored);
    expect(decision.update.status).toBe('completing');
    expect(decision.update.appendHistory).toBeUndefined();
    expect(decision.update.snapshot).toBeUndefined();
  });

  it('refreshes the snapshot without a transition when the status is unchanged', () => {
    const job = trackedJob({
      status: 'processing',
      consecutiveErrors: 3,
      lastError: { kind: 'timeout', message: 'x', at: T0 },
    });
    const decision = decideAfterAnswer(
      job,
      snapshot({ status: 'processing', success_count: 5_000 }),
      NOW,
      POLICY,
    );

    expect(decision.verdict).toBe(CheckVerdict.Unchanged);
    expect(decision.update.snapshot?.success_count).toBe(5_000);
    expect(decision.update.appendHistory).toBeUndefined();
    expect(decision.update.consecutiveErrors).toBe(0);
    expect(decision.update.lastError).toBeNull();
  });

  it('records an unknown status as an anomaly and keeps polling', () => {
    const job = trackedJob({ status: 'processing' });
    const decision = decideAfterAnswer(job, snapshot({ status: 'archived' }), NOW, POLICY);

    expect(decision.verdict).toBe(CheckVerdict.Anomaly);
    expect(decision.update.status).toBe('processing');
    expect(decision.update.anomaly).toEqual({ kind: 'unknown_status', value: 'archived', at: NOW });
    expect(decision.update.appendHistory).toBeUndefined();
    expect(decision.update.nextCheckAt > NOW).toBe(true);
  });

  it('checks long-running jobs less often, but completing jobs every interval', () => {
    const old = snapshot({ created_at: '2026-11-29T06:00:00.000Z' });
    const processing = decideAfterAnswer(
      trackedJob({ status: 'processing' }),
      { ...old, status: 'processing' },
      NOW,
      POLICY,
    );
    const completing = decideAfterAnswer(
      trackedJob({ status: 'processing' }),
      { ...old, status: 'completing' },
      NOW,
      POLICY,
    );

    expect(processing.update.nextCheckAt).toBe('2026-11-29T10:10:00.000Z');
    expect(completing.update.nextCheckAt).toBe('2026-11-29T10:06:00.000Z');
  });
});

describe('decideAfterError', () => {
  // A fresh generator per test: one shared by the file would hand each test different draws
  // depending on which tests ran before it.
  let random: () => number;
  beforeEach(() => {
    random = seededRandom(7);
  });

  it('ends the job as rejected on a 400/422 and keeps the API detail', () => {
    const error = new StatusApiError('rejected', 'CompanyEnrich answered 422: jobId must be a uuid', {
      httpStatus: 422,
      apiDetail: 'jobId must be a uuid',
    });
    const decision = decideAfterError(trackedJob({ status: 'processing' }), error, NOW, POLICY, random);

    expect(decision.verdict).toBe(CheckVerdict.Transition);
    expect(decision.update.status).toBe('rejected');
    expect(decision.update.lastError?.message).toContain('jobId must be a uuid');
    expect(decision.update.notificationOwed?.eventId).toBe(`${JOB_ID}:rejected`);
  });

  it('ends the job as not_found only after the configured number of consecutive 404s', () => {
    const notFound = new StatusApiError('not_found', 'CompanyEnrich answered 404', { httpStatus: 404 });
    const first = decideAfterError(trackedJob(), notFound, NOW, POLICY, random);
    expect(first.verdict).toBe(CheckVerdict.RetryLater);
    expect(first.update.consecutiveNotFound).toBe(1);
    expect(first.update.status).toBe('pending');

    const third = decideAfterError(trackedJob({ consecutiveNotFound: 2 }), notFound, NOW, POLICY, random);
    expect(third.verdict).toBe(CheckVerdict.Transition);
    expect(third.update.status).toBe('not_found');
    expect(third.update.notificationOwed?.status).toBe('not_found');
  });

  it('backs off exponentially on transient errors, within the cap', () => {
    const error = new StatusApiError('server_error', 'CompanyEnrich answered 500', { httpStatus: 500 });
    const delays = [0, 1, 2, 3, 10].map((errorsSoFar) => {
      const decision = decideAfterError(
        trackedJob({ consecutiveErrors: errorsSoFar }),
        error,
        NOW,
        POLICY,
        random,
      );
      expect(decision.update.consecutiveErrors).toBe(errorsSoFar + 1);
      expect(decision.update.status).toBe('pending');
      return Date.parse(decision.update.nextCheckAt) - Date.parse(NOW);
    });
    // Equal jitter: each delay lies in [step/2, step] for step = 1, 2, 4, 8 minutes, then the 30-minute cap.
    const steps = [60_000, 120_000, 240_000, 480_000, 1_800_000];
    delays.forEach((delay, index) => {
      const step = steps[index] ?? 0;
      expect(delay).toBeGreaterThanOrEqual(step / 2);
      expect(delay).toBeLessThanOrEqual(step);
    });
  });

  it.each([
    ['a 429', new ApiThrottledError(5_000)],
    ['a 403', new StatusApiError('forbidden', 'CompanyEnrich answered 403', { httpStatus: 403 })],
    ['an unreadable key', new StatusApiError('api_key_unavailable', 'The key could not be read')],
    ['a throttled key read', new StatusApiError('api_key_transient', 'The key could not be read')],
  ])('does not count account-wide problems against the job (%s)', (_, error) => {
    const decision = decideAfterError(trackedJob({ consecutiveErrors: 2 }), error, NOW, POLICY, random);
    expect(decision.verdict).toBe(CheckVerdict.RetryLater);
    expect(decision.update.consecutiveErrors).toBe(2);
    expect(decision.update.nextCheckAt).toBe('2026-11-29T10:06:00.000Z');
  });
});
