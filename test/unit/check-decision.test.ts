import { beforeEach, describe, expect, it } from 'vitest';
import {
  CheckVerdict,
  decideAfterAnswer,
  decideAfterError,
  type CheckResult,
} from '../../functions/core/domain/check-decision.js';
import {
  countAnswer,
  NO_ANSWERS,
  SYSTEMATIC_MIN_ANSWERS,
  systematicKindOf,
  systematicProblem,
} from '../../functions/core/domain/systematic-answers.js';
import { ApiThrottledError, StatusApiError } from '../../functions/core/domain/errors.js';
import { addMs } from '../../functions/core/domain/cadence.js';
import { ETA_MAX_GAP_MS, ETA_REMAINING_SHARE } from '../../functions/core/domain/eta-cadence.js';
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
    // 4,012 of 10,000 in the 6 minutes since started_at: about 9 minutes left, checked after 45% of them.
    const leftMs = (5_988 / 4_012) * 6 * 60_000;
    expect(decision.update.nextCheckAt).toBe(addMs(NOW, Math.round(ETA_REMAINING_SHARE * leftMs)));
  });

  it('checks a processing job sparsely far from its estimated end and every interval near it', () => {
    const started = { started_at: '2026-11-29T09:00:00.000Z', created_at: '2026-11-29T09:00:00.000Z' };
    const job = trackedJob({ status: 'processing' });
    // 10% in an hour: nine hours left, checked after the maximum gap.
    const early = snapshot({ ...started, success_count: 990, failed_count: 10 });
    expect(decideAfterAnswer(job, early, NOW, POLICY).update.nextCheckAt).toBe(addMs(NOW, ETA_MAX_GAP_MS));
    // 99% in an hour: 36 seconds left, checked at the next interval.
    const late = snapshot({ ...started, success_count: 9_800, failed_count: 100 });
    expect(decideAfterAnswer(job, late, NOW, POLICY).update.nextCheckAt).toBe('2026-11-29T10:06:00.000Z');
  });

  it('falls back to the age-based cadence when the counts went backwards since the stored snapshot', () => {
    const started = { started_at: '2026-11-29T07:00:00.000Z', created_at: '2026-11-29T07:00:00.000Z' };
    const stored = snapshot({ ...started, success_count: 6_000, failed_count: 0 });
    const job = trackedJob({
      status: 'processing',
      snapshot: stored,
      lastCheckedAt: '2026-11-29T10:00:00.000Z',
    });
    const answer = snapshot({ ...started, success_count: 5_000, failed_count: 0 });
    // Three hours old: the age-based cadence says every five intervals.
    expect(decideAfterAnswer(job, answer, NOW, POLICY).update.nextCheckAt).toBe('2026-11-29T10:10:00.000Z');
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

  it('checks long-running jobs without progress less often, but completing jobs every interval', () => {
    const old = snapshot({ created_at: '2026-11-29T06:00:00.000Z', started_at: null });
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

  const rejection = new StatusApiError('rejected', 'CompanyEnrich answered 422: jobId must be a uuid', {
    httpStatus: 422,
    apiDetail: 'jobId must be a uuid',
  });

  it('records a first 400/422 and asks again at the next interval, without ending the job', () => {
    const decision = decideAfterError(trackedJob({ status: 'processing' }), rejection, NOW, POLICY, random);

    expect(decision.verdict).toBe(CheckVerdict.RetryLater);
    expect(decision.update.status).toBe('processing');
    expect(decision.update.lastError).toEqual({ kind: 'rejected', message: rejection.message, at: NOW });
    expect(decision.update.nextCheckAt).toBe('2026-11-29T10:06:00.000Z');
    expect(decision.update.consecutiveErrors).toBe(0);
    expect(decision.update.notificationOwed).toBeUndefined();
  });

  it('ends the job as rejected on the second 400/422 in a row, from an earlier tick, with the API detail', () => {
    const firstSeen = { kind: 'rejected', message: rejection.message, at: '2026-11-29T10:04:00.000Z' };
    const decision = decideAfterError(
      trackedJob({ status: 'processing', lastError: firstSeen }),
      rejection,
      NOW,
      POLICY,
      random,
    );

    expect(decision.verdict).toBe(CheckVerdict.Transition);
    expect(decision.update.status).toBe('rejected');
    expect(decision.update.lastError?.message).toContain('jobId must be a uuid');
    expect(decision.update.notificationOwed?.eventId).toBe(`${JOB_ID}:rejected`);
  });

  it('does not count a rejection recorded at the same instant (the same tick) as the second one', () => {
    const sameTick = { kind: 'rejected', message: rejection.message, at: NOW };
    const decision = decideAfterError(trackedJob({ lastError: sameTick }), rejection, NOW, POLICY, random);
    expect(decision.verdict).toBe(CheckVerdict.RetryLater);
  });

  it('does not end the job when the earlier error was of another kind', () => {
    const timedOut = { kind: 'timeout', message: 'No answer', at: '2026-11-29T10:04:00.000Z' };
    const decision = decideAfterError(trackedJob({ lastError: timedOut }), rejection, NOW, POLICY, random);
    expect(decision.verdict).toBe(CheckVerdict.RetryLater);
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

describe('systematicProblem (one systematic error must not end every job)', () => {
  const notFound = failed(new StatusApiError('not_found', 'CompanyEnrich answered 404', { httpStatus: 404 }));
  const rejected = failed(new StatusApiError('rejected', 'CompanyEnrich answered 400', { httpStatus: 400 }));
  const document: CheckResult = { ok: true, snapshot: snapshot() };
  const serverError = failed(new StatusApiError('server_error', 'answered 503', { httpStatus: 503 }));
  const timeout = failed(new StatusApiError('timeout', 'No answer'));

  function failed(error: StatusApiError): CheckResult {
    return { ok: false, error };
  }
  const tally = (results: CheckResult[]) => results.reduce(countAnswer, NO_ANSWERS);

  it('needs at least three answers of the same kind, and more than half of the answers', () => {
    expect(SYSTEMATIC_MIN_ANSWERS).toBe(3);
    expect(systematicProblem(tally([notFound, notFound]))).toBeNull();
    expect(systematicProblem(tally([notFound, notFound, notFound]))).toBe('systematic_not_found');
    expect(systematicProblem(tally([rejected, rejected, rejected, document, document]))).toBe(
      'systematic_rejected',
    );
    // Exactly half is not most.
    expect(systematicProblem(tally([notFound, notFound, notFound, document, document, document]))).toBeNull();
  });

  it('counts only answers with an HTTP status: a timeout says nothing about the URL', () => {
    expect(systematicProblem(tally([notFound, notFound, notFound, timeout, timeout, timeout]))).toBe(
      'systematic_not_found',
    );
    expect(
      systematicProblem(tally([notFound, notFound, notFound, serverError, serverError, serverError])),
    ).toBeNull();
  });

  it('does not mix the two kinds: three 404s and two 400s among nine answers is no majority', () => {
    const mixed = [notFound, notFound, notFound, rejected, rejected, document, document, document, document];
    expect(systematicProblem(tally(mixed))).toBeNull();
  });

  it('names the kind an answer would feed, so its terminal verdict can be held back', () => {
    expect(systematicKindOf(notFound)).toBe('systematic_not_found');
    expect(systematicKindOf(rejected)).toBe('systematic_rejected');
    expect(systematicKindOf(document)).toBeNull();
    expect(systematicKindOf(serverError)).toBeNull();
  });
});
