import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../local/random.js';
import {
  DEFAULT_FAILURE_MESSAGE,
  documentAt,
  planRandomJob,
  resolvePlan,
  staleDocument,
  type ResolvedJobPlan,
  type SimulatedJobPlan,
} from '../../local/simulator/plan.js';

const JOB_ID = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
const CREATED = Date.parse('2026-02-17T00:00:00.000Z');

function plan(overrides: Partial<SimulatedJobPlan> = {}): ResolvedJobPlan {
  return resolvePlan(
    {
      jobId: JOB_ID,
      totalDomains: 200,
      createdAt: new Date(CREATED),
      pendingMs: 1_000,
      processingMs: 10_000,
      completingMs: 2_000,
      outcome: 'completed',
      successRatio: 0.9,
      ...overrides,
    },
    { jobId: () => 'unused', now: new Date(0) },
  );
}

describe('documentAt', () => {
  it('walks pending -> processing -> completing -> completed at the phase boundaries', () => {
    const statusAt = (elapsedMs: number): string => documentAt(plan(), CREATED + elapsedMs).status;
    expect(statusAt(-5_000)).toBe('pending');
    expect(statusAt(999)).toBe('pending');
    expect(statusAt(1_000)).toBe('processing');
    expect(statusAt(10_999)).toBe('processing');
    expect(statusAt(11_000)).toBe('completing');
    expect(statusAt(12_999)).toBe('completing');
    expect(statusAt(13_000)).toBe('completed');
    expect(statusAt(10 ** 9)).toBe('completed');
  });

  it('reports nothing processed while pending', () => {
    expect(documentAt(plan(), CREATED + 500)).toEqual({
      job_id: JOB_ID,
      status: 'pending',
      total_domains: 200,
      success_count: 0,
      failed_count: 0,
      credits_charged: 0,
      created_at: '2026-02-17T00:00:00.000Z',
      started_at: null,
      completed_at: null,
      results_url: null,
      error_message: null,
    });
  });

  it('grows the counts linearly while processing and charges nothing before the end', () => {
    const quarter = documentAt(plan(), CREATED + 1_000 + 2_500);
    expect(quarter).toMatchObject({ success_count: 45, failed_count: 5, credits_charged: 0 });
    expect(quarter.started_at).toBe('2026-02-17T00:00:01.000Z');
    const completing = documentAt(plan(), CREATED + 12_000);
    expect(completing).toMatchObject({
      success_count: 180,
      failed_count: 20,
      credits_charged: 0,
      completed_at: null,
    });
  });

  it('never lets the counts go backwards or exceed the total', () => {
    let previous = documentAt(plan({ totalDomains: 7, successRatio: 0.5 }), CREATED);
    for (let elapsed = 0; elapsed <= 14_000; elapsed += 97) {
      const current = documentAt(plan({ totalDomains: 7, successRatio: 0.5 }), CREATED + elapsed);
      expect(current.success_count).toBeGreaterThanOrEqual(previous.success_count);
      expect(current.failed_count).toBeGreaterThanOrEqual(previous.failed_count);
      expect(current.success_count + current.failed_count).toBeLessThanOrEqual(7);
      previous = current;
    }
    expect(previous.success_count + previous.failed_count).toBe(7);
  });

  it('charges one credit per enriched domain and links a pre-signed results file once completed', () => {
    const document = documentAt(plan(), CREATED + 13_000);
    expect(document).toMatchObject({
      success_count: 180,
      failed_count: 20,
      credits_charged: 180,
      completed_at: '2026-02-17T00:00:13.000Z',
      error_message: null,
    });
    const resultsUrl = new URL(document.results_url ?? '');
    expect(resultsUrl.protocol).toBe('https:');
    expect(resultsUrl.pathname).toBe(`/bulk/${JOB_ID}.jsonl`);
    expect(resultsUrl.searchParams.get('X-Amz-Expires')).toBe('3600');
    expect(resultsUrl.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('fails with an error message, no results and the partial charge of what was enriched', () => {
    const failed = documentAt(plan({ outcome: 'failed', failureMessage: 'Provider down' }), CREATED + 13_000);
    expect(failed).toMatchObject({
      status: 'failed',
      error_message: 'Provider down',
      results_url: null,
      credits_charged: 180,
      completed_at: '2026-02-17T00:00:13.000Z',
    });
    expect(documentAt(plan({ outcome: 'failed' }), CREATED + 13_000).error_message).toBe(
      DEFAULT_FAILURE_MESSAGE,
    );
    expect(documentAt(plan({ outcome: 'failed' }), CREATED + 12_000)).toMatchObject({
      status: 'completing',
      error_message: null,
    });
  });

  it('skips zero-length phases', () => {
    const instant = plan({ pendingMs: 0, processingMs: 0, completingMs: 0, successRatio: 1 });
    expect(documentAt(instant, CREATED)).toMatchObject({
      status: 'completed',
      success_count: 200,
      credits_charged: 200,
    });
  });
});

describe('staleDocument', () => {
  it('reports the requested older status with the counts of the middle of that phase', () => {
    expect(staleDocument(plan(), 'processing')).toMatchObject({
      status: 'processing',
      success_count: 90,
      credits_charged: 0,
    });
    expect(staleDocument(plan(), 'pending')).toMatchObject({
      status: 'pending',
      success_count: 0,
      started_at: null,
    });
  });
});

describe('resolvePlan', () => {
  it('fills in the defaults, lower-cases the id and draws missing ids from the generator', () => {
    const now = new Date(CREATED);
    const resolved = resolvePlan(
      { totalDomains: 1, pendingMs: 0, processingMs: 0, completingMs: 0, outcome: 'failed' },
      { jobId: () => JOB_ID.toUpperCase(), now },
    );
    expect(resolved).toMatchObject({
      jobId: JOB_ID,
      createdAt: now,
      successRatio: 0.97,
      failureMessage: DEFAULT_FAILURE_MESSAGE,
    });
  });

  it.each<[string, Partial<SimulatedJobPlan>]>([
    ['a non-uuid id', { jobId: 'job-1' }],
    ['no domains', { totalDomains: 0 }],
    ['too many domains', { totalDomains: 10_001 }],
    ['a fractional domain count', { totalDomains: 1.5 }],
    ['a negative duration', { pendingMs: -1 }],
    ['a NaN duration', { completingMs: Number.NaN }],
    ['an unknown outcome', { outcome: 'done' as 'completed' }],
    ['a success ratio above 1', { successRatio: 1.5 }],
    ['an invalid date', { createdAt: new Date('not a date') }],
  ])('rejects %s', (_label, overrides) => {
    expect(() => plan(overrides)).toThrow(RangeError);
  });
});

describe('planRandomJob', () => {
  const plans = ((random) => Array.from({ length: 2000 }, () => planRandomJob(random)))(seededRandom(7));

  it('produces valid plans of 5..2000 domains, skewed towards small jobs', () => {
    for (const randomPlan of plans)
      expect(() => resolvePlan(randomPlan, { jobId: () => JOB_ID, now: new Date() })).not.toThrow();
    const sizes = plans.map((randomPlan) => randomPlan.totalDomains);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2000);
    expect(sizes.filter((size) => size < 500).length).toBeGreaterThan(sizes.length / 2);
  });

  it('fails about a quarter of the jobs, each with a message', () => {
    const failed = plans.filter((randomPlan) => randomPlan.outcome === 'failed');
    expect(failed.length / plans.length).toBeGreaterThan(0.2);
    expect(failed.length / plans.length).toBeLessThan(0.3);
    expect(failed.every((randomPlan) => typeof randomPlan.failureMessage === 'string')).toBe(true);
    expect(plans.some((randomPlan) => randomPlan.outcome === 'completed' && randomPlan.failureMessage)).toBe(
      false,
    );
  });

  it('scales every duration and lets overrides win', () => {
    const normal = planRandomJob(seededRandom(3), { totalDomains: 100 });
    const quick = planRandomJob(seededRandom(3), { totalDomains: 100 }, { durationScale: 0.1 });
    for (const phase of ['pendingMs', 'processingMs', 'completingMs'] as const) {
      expect(quick[phase]).toBeCloseTo(normal[phase] / 10, -1);
      expect(quick[phase]).toBeLessThan(normal[phase]);
    }
    expect(planRandomJob(seededRandom(3), { outcome: 'failed', pendingMs: 5 })).toMatchObject({
      outcome: 'failed',
      pendingMs: 5,
    });
  });
});
