import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TickSummary } from '../../functions/core/use-cases/poll-tick.js';
import { publishTickMetrics, recordTickMetrics } from '../../functions/poll/tick-metrics.js';

const healthy: TickSummary = {
  now: '2026-11-29T10:00:00.000Z',
  checked: 5,
  transitions: 2,
  notified: 1,
  alerts: 0,
  unchanged: 1,
  byStatus: { processing: 3, completed: 1 },
  regressionsIgnored: 1,
  anomalies: 1,
  conflicts: 1,
  deferred: 4,
  oldestOwedSeconds: 0,
  errors: { unknown_status: 1, not_found: 2, rejected: 1, api_key_transient: 1, aborted: 1 },
  halted: 'deadline',
};

interface EmfLine {
  _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string; Unit?: string }[] }[] };
  [key: string]: unknown;
}

/** Runs `emit` with Powertools metrics enabled; the EMF documents it printed and every other line. */
function capture(emit: (metrics: Metrics) => void): { documents: EmfLine[]; other: string[] } {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  const lines: string[] = [];
  const write = (chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(write);
  vi.spyOn(process.stderr, 'write').mockImplementation(write);
  const metrics = new Metrics({ namespace: 'EnrichJobWatchTest', serviceName: 'enrich-job-watch' });
  emit(metrics);
  vi.restoreAllMocks();
  const all = lines.flatMap((chunk) => chunk.split('\n')).filter((line) => line.trim() !== '');
  return {
    documents: all.filter((line) => line.includes('"_aws"')).map((line) => JSON.parse(line) as EmfLine),
    other: all.filter((line) => !line.includes('"_aws"')),
  };
}

/** Every metric in the documents, by name, with its value and unit. */
function published(documents: EmfLine[]): Record<string, { value: unknown; unit: string | undefined }> {
  return Object.fromEntries(
    documents.flatMap((document) =>
      document._aws.CloudWatchMetrics.flatMap((directive) =>
        directive.Metrics.map((metric) => [metric.Name, { value: document[metric.Name], unit: metric.Unit }]),
      ),
    ),
  );
}

const tickOf = (summary: TickSummary) =>
  capture((metrics) => {
    recordTickMetrics(metrics, summary);
    publishTickMetrics(metrics);
  });

describe('recordTickMetrics', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('publishes only the checks of a healthy tick: what went well and errors no alarm reads stay in the log', () => {
    expect(published(tickOf(healthy).documents)).toEqual({ JobsChecked: { value: 5, unit: 'Count' } });
  });

  it('publishes each problem series with its value when non-zero', () => {
    const { documents } = tickOf({
      ...healthy,
      oldestOwedSeconds: 960,
      errors: {
        unauthorized: 1,
        api_key_unavailable: 2,
        server_error: 2,
        timeout: 1,
        malformed: 1,
        throttled: 1,
        publish_failed: 3,
      },
      halted: 'throttled',
    });
    expect(published(documents)).toEqual({
      JobsChecked: { value: 5, unit: 'Count' },
      ApiAccessErrors: { value: 3, unit: 'Count' },
      ApiDegradedErrors: { value: 4, unit: 'Count' },
      ThrottledHalts: { value: 1, unit: 'Count' },
      PublishFailures: { value: 3, unit: 'Count' },
      OldestOwedNotificationSeconds: { value: 960, unit: 'Seconds' },
    });
  });

  it('counts a halt as throttled only for that reason', () => {
    const { documents } = tickOf({ ...healthy, halted: 'unauthorized', errors: { unauthorized: 1 } });
    expect(Object.keys(published(documents)).sort()).toEqual(['ApiAccessErrors', 'JobsChecked']);
  });

  it('publishes nothing, and says nothing, for a tick that checked nothing and had no problem', () => {
    const { documents, other } = tickOf({ ...healthy, checked: 0, errors: {}, halted: null });
    expect(documents).toEqual([]);
    expect(other).toEqual([]);
  });
});
