import type { DecisionPolicy } from '../../functions/core/domain/check-decision.js';
import type { JobSnapshot, TrackedJob } from '../../functions/core/domain/job.js';

export const JOB_ID = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
export const T0 = '2026-11-29T10:00:00.000Z';

/** A freshly tracked job, as the store returns it. */
export function trackedJob(overrides: Partial<TrackedJob> = {}): TrackedJob {
  return {
    jobId: JOB_ID,
    status: 'pending',
    label: 'Q4 leads',
    metadata: { team: 'growth' },
    trackedAt: T0,
    lastCheckedAt: null,
    nextCheckAt: T0,
    consecutiveErrors: 0,
    consecutiveNotFound: 0,
    lastError: null,
    snapshot: null,
    history: [],
    historyTrimmed: 0,
    notificationOwed: null,
    lastNotification: null,
    anomalyCount: 0,
    anomalies: [],
    untrackedAt: null,
    webhook: false,
    version: 1,
    ...overrides,
  };
}

/** A status document as the API would return it. */
export function snapshot(overrides: Partial<JobSnapshot> = {}): JobSnapshot {
  return {
    job_id: JOB_ID,
    status: 'processing',
    total_domains: 10_000,
    success_count: 4_000,
    failed_count: 12,
    credits_charged: 0,
    created_at: '2026-11-29T09:58:00.000Z',
    started_at: '2026-11-29T09:59:00.000Z',
    completed_at: null,
    results_url: null,
    error_message: null,
    ...overrides,
  };
}

/** The production defaults for a one-minute schedule. */
export const POLICY: DecisionPolicy = {
  pollIntervalMs: 60_000,
  maxBackoffMs: 1_800_000,
  notFoundLimit: 3,
  notificationLeaseMs: 300_000,
  retentionMs: 90 * 86_400_000,
};
