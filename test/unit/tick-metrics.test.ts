import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TickSummary } from '../../functions/core/use-cases/poll-tick.js';
import { recordTickMetrics } from '../../functions/poll/tick-metrics.js';

const summary: TickSummary = {
  now: '2026-11-29T10:00:00.000Z',
  checked: 5,
  transitions: 2,
  notified: 1,
  alerts: 0,
  unchanged: 1,
  byStatus: { processing: 3, completed: 1 },
  regressionsIgnored: 0,
  anomalies: 1,
  conflicts: 0,
  deferred: 4,
  oldestOwedSeconds: 960,
  errors: { server_error: 2, unknown_status: 1, publish_failed: 1, throttled: 1 },
  halted: 'throttled',
};

interface EmfLine {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
}

/** Runs `emit` with Powertools metrics enabled and returns the EMF documents it printed. */
function captureEmf(emit: (metrics: Metrics) => void): EmfLine[] {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  const metrics = new Metrics({ namespace: 'EnrichJobWatchTest', serviceName: 'enrich-job-watch' });
  emit(metrics);
  metrics.publishStoredMetrics();
  return lines
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as EmfLine);
}

/** The value of `metric` in the EMF document whose dimensions include `dimension` = `value`. */
function valueOf(documents: EmfLine[], metric: string, dimension?: [string, string]): unknown {
  const match = documents.find(
    (document) => metric in document && (dimension === undefined || document[dimension[0]] === dimension[1]),
  );
  return match?.[metric];
}

describe('recordTickMetrics', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('emits what the alarms and the dashboard read, with the dimensions they filter on', () => {
    const documents = captureEmf((metrics) => {
      recordTickMetrics(metrics, summary);
    });

    expect(
      documents.every((document) => document._aws.CloudWatchMetrics[0]?.Namespace === 'EnrichJobWatchTest'),
    ).toBe(true);
    expect(valueOf(documents, 'TicksCompleted')).toBe(1);
    expect(valueOf(documents, 'JobsChecked')).toBe(5);
    expect(valueOf(documents, 'Transitions')).toBe(2);
    expect(valueOf(documents, 'NotificationsPublished')).toBe(1);
    expect(valueOf(documents, 'PublishFailures')).toBe(1);
    expect(valueOf(documents, 'UnknownStatuses')).toBe(1);
    expect(valueOf(documents, 'ApiErrors', ['ErrorKind', 'server_error'])).toBe(2);
    expect(valueOf(documents, 'ApiErrors', ['ErrorKind', 'throttled'])).toBe(1);
    // Not API errors: counted under their own metrics only.
    expect(valueOf(documents, 'ApiErrors', ['ErrorKind', 'publish_failed'])).toBeUndefined();
    expect(valueOf(documents, 'JobsByStatus', ['Status', 'processing'])).toBe(3);
    expect(valueOf(documents, 'TicksHalted', ['Reason', 'throttled'])).toBe(1);
  });

  it('reports the age of the oldest owed notification in seconds, and 0 when nothing is owed', () => {
    const late = captureEmf((metrics) => {
      recordTickMetrics(metrics, summary);
    });
    expect(valueOf(late, 'OldestOwedNotificationSeconds')).toBe(960);
    const units = late.flatMap((document) =>
      document._aws.CloudWatchMetrics.flatMap((directive) =>
        (directive.Metrics as { Name: string; Unit?: string }[]).filter(
          (metric) => metric.Name === 'OldestOwedNotificationSeconds',
        ),
      ),
    );
    expect(units).toEqual([{ Name: 'OldestOwedNotificationSeconds', Unit: 'Seconds' }]);
    const onTime = captureEmf((metrics) => {
      recordTickMetrics(metrics, { ...summary, oldestOwedSeconds: 0 });
    });
    expect(valueOf(onTime, 'OldestOwedNotificationSeconds')).toBe(0);
  });

  it('does not count a tick with internal errors as completed (the heartbeat alarm relies on it)', () => {
    const documents = captureEmf((metrics) => {
      recordTickMetrics(metrics, { ...summary, errors: { internal: 1 } });
    });
    expect(valueOf(documents, 'TicksCompleted')).toBe(0);
    expect(valueOf(documents, 'InternalErrors')).toBe(1);
  });
});
