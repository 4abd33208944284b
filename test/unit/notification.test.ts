import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  renderJobNotification,
  renderWatcherAlert,
  SMS_MAX_LENGTH,
  toAsciiLine,
} from '../../functions/core/domain/notification.js';
import type { OwedNotification, TrackedJob } from '../../functions/core/domain/job.js';
import { JOB_ID, snapshot, trackedJob } from '../support/builders.js';

const RESULTS_URL =
  'https://results.companyenrich.example/bulk/x.jsonl?X-Amz-Signature=abc&X-Amz-Expires=3600';

function completedJob(overrides: Partial<TrackedJob> = {}): TrackedJob {
  return trackedJob({
    status: 'completed',
    snapshot: snapshot({
      status: 'completed',
      total_domains: 10_000,
      success_count: 9_812,
      failed_count: 188,
      credits_charged: 9_812,
      started_at: '2026-11-29T09:00:00.000Z',
      completed_at: '2026-11-29T10:23:04.000Z',
      results_url: RESULTS_URL,
    }),
    ...overrides,
  });
}

function owed(
  status: OwedNotification['status'],
  previousStatus: OwedNotification['previousStatus'] = 'processing',
): OwedNotification {
  return {
    eventId: `${JOB_ID}:${status}`,
    status,
    previousStatus,
    detectedAt: '2026-11-29T10:24:00.000Z',
    deliveredChannels: [],
  };
}

function expectValidSubject(subject: string): void {
  expect(subject.length).toBeLessThan(100);
  expect(subject).toMatch(/^[\x20-\x7e]+$/);
}

describe('renderJobNotification', () => {
  it('gives email subscribers a clear subject and a body with every fact they need', () => {
    const rendered = renderJobNotification(completedJob(), owed('completed'));

    expect(rendered.subject).toBe('Job completed: Q4 leads - 9,812 of 10,000 domains enriched');
    expectValidSubject(rendered.subject);
    for (const fact of [
      'Q4 leads',
      JOB_ID,
      'completed (was processing)',
      '10,000 total, 9,812 succeeded, 188 failed',
      'Credits charged: 9,812',
      '2026-11-29T09:00:00.000Z',
      '2026-11-29T10:23:04.000Z',
      '1h 23m 04s',
      RESULTS_URL,
      'team = growth',
    ]) {
      expect(rendered.text).toContain(fact);
    }
  });

  it('gives automation the versioned JSON document with the API snapshot', () => {
    const job = completedJob();
    const rendered = renderJobNotification(job, owed('completed'));

    expect(rendered.document).toMatchObject({
      schema_version: 1,
      event_id: `${JOB_ID}:completed`,
      event_type: 'job.completed',
      job_id: JOB_ID,
      status: 'completed',
      previous_status: 'processing',
      label: 'Q4 leads',
      metadata: { team: 'growth' },
      detected_at: '2026-11-29T10:24:00.000Z',
      job: job.snapshot,
      reason: null,
    });
    expect(rendered.attributes).toEqual({ event_type: 'job.completed', status: 'completed', job_id: JOB_ID });
  });

  it('puts the error message in front of failed-job subscribers', () => {
    const job = trackedJob({
      status: 'failed',
      snapshot: snapshot({ status: 'failed', error_message: 'Upstream provider timed out' }),
    });
    const rendered = renderJobNotification(job, owed('failed'));

    expect(rendered.subject).toBe('Job failed: Q4 leads');
    expect(rendered.text).toContain('Reason:          Upstream provider timed out');
    expect(rendered.text).not.toContain('Results:');
    expect(rendered.sms).toBe('enrich-job-watch: Q4 leads failed. Upstream provider timed out');
    expect(rendered.document).toMatchObject({
      event_type: 'job.failed',
      reason: 'Upstream provider timed out',
    });
  });

  it('keeps subjects and SMS within their limits whatever the label', () => {
    const label = `Überlange Bezeichnung 🚀 ${'x'.repeat(300)}\nwith a line break`;
    const job = completedJob({ label });
    const rendered = renderJobNotification(job, owed('completed'));

    expectValidSubject(rendered.subject);
    expect(rendered.subject.startsWith('Job completed: Uberlange Bezeichnung x')).toBe(true);
    expect(rendered.subject).toContain('...');
    expect(rendered.sms.length).toBeLessThanOrEqual(SMS_MAX_LENGTH);
    expect(rendered.sms).toMatch(/^[\x20-\x7e]+$/);
    expect(rendered.sms).toContain('9,812/10,000 ok, 188 failed, 9,812 credits');
    // The JSON event keeps the label exactly as given.
    expect(rendered.document).toMatchObject({ label });
  });

  it('names the job by its id when it has no label', () => {
    const rendered = renderJobNotification(completedJob({ label: null }), owed('completed'));
    expect(rendered.subject).toContain('job 3fa85f64');
    expect(rendered.text).toContain('Label:           (none)');
  });

  it('explains not_found and rejected endings', () => {
    const notFound = renderJobNotification(
      trackedJob({ status: 'not_found', consecutiveNotFound: 3 }),
      owed('not_found', 'pending'),
    );
    expect(notFound.document).toMatchObject({ event_type: 'job.not_found', job: null });
    expect(notFound.text).toContain('404 Not Found 3 times in a row');

    const rejected = renderJobNotification(
      trackedJob({
        status: 'rejected',
        lastError: { kind: 'rejected', message: 'CompanyEnrich answered 422: bad id', at: 'x' },
      }),
      owed('rejected', 'pending'),
    );
    expect(rejected.document).toMatchObject({
      event_type: 'job.rejected',
      reason: 'CompanyEnrich answered 422: bad id',
    });
  });

  it('refuses to render a notification for a non-terminal status', () => {
    expect(() => renderJobNotification(trackedJob(), owed('processing'))).toThrow(/No notification/);
  });
});

describe('renderWatcherAlert', () => {
  it('renders one alert per incident with a stable id and a hint of what to do', () => {
    const incident = { kind: 'unauthorized' as const, openedAt: '2026-11-29T10:00:00.000Z' };
    const opened = renderWatcherAlert(incident, 'opened', '2026-11-29T10:00:00.000Z');
    const recovered = renderWatcherAlert(incident, 'recovered', '2026-11-29T11:00:00.000Z');

    expect(opened.eventType).toBe('watcher.unauthorized');
    expect(opened.eventId).toBe('watcher:unauthorized:2026-11-29T10:00:00.000Z');
    expect(opened.text).toContain('API-key secret');
    expectValidSubject(opened.subject);
    expect(opened.sms.length).toBeLessThanOrEqual(SMS_MAX_LENGTH);
    expect(recovered.eventType).toBe('watcher.recovered');
    expect(recovered.eventId).not.toBe(opened.eventId);
    expect(renderWatcherAlert({ kind: 'payment_required', openedAt: 'x' }, 'opened', 'x').eventType).toBe(
      'watcher.payment_required',
    );
    const missingKey = renderWatcherAlert({ kind: 'api_key_unavailable', openedAt: 'x' }, 'opened', 'x');
    expect(missingKey.eventType).toBe('watcher.api_key_unavailable');
    expect(missingKey.text).toContain('SetApiKeyCommand');
  });
});

describe('text helpers', () => {
  it('reduces text to one ASCII line', () => {
    expect(toAsciiLine('  Café\tdéjà\nvu ✓ ')).toBe('Cafe deja vu');
  });

  it('formats durations and refuses unknown or negative ones', () => {
    expect(formatDuration('2026-01-01T00:00:00Z', '2026-01-01T00:00:42Z')).toBe('42s');
    expect(formatDuration('2026-01-01T00:00:00Z', '2026-01-01T00:05:03Z')).toBe('5m 03s');
    expect(formatDuration('2026-01-01T00:00:00Z', null)).toBeNull();
    expect(formatDuration('2026-01-01T00:05:00Z', '2026-01-01T00:00:00Z')).toBeNull();
  });
});
