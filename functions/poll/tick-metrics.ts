import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { ACCESS_ERROR_KINDS, DEGRADED_API_ERROR_KINDS, TickMetric } from '../contract.js';
import type { TickSummary } from '../core/use-cases/poll-tick.js';

/** The tick's errors of the given kinds, summed. */
function errorsOf(summary: TickSummary, kinds: readonly string[]): number {
  return kinds.reduce((total, kind) => total + (summary.errors[kind] ?? 0), 0);
}

/**
 * Turns a tick summary into the custom metrics the stack's alarms read (EMF), and nothing more:
 * the series declared in `CUSTOM_METRIC_SERIES`. A problem series is added only when non-zero,
 * so a healthy month publishes (and pays for) none of them; the alarms treat missing data as not
 * breaching. Everything else the tick did is in its summary log line.
 */
export function recordTickMetrics(metrics: Metrics, summary: TickSummary): void {
  if (summary.checked > 0) metrics.addMetric(TickMetric.JobsChecked, MetricUnit.Count, summary.checked);
  const problems = [
    [TickMetric.ApiAccessErrors, errorsOf(summary, ACCESS_ERROR_KINDS)],
    [TickMetric.ApiDegradedErrors, errorsOf(summary, DEGRADED_API_ERROR_KINDS)],
    [TickMetric.ThrottledHalts, summary.halted === 'throttled' ? 1 : 0],
    [TickMetric.PublishFailures, summary.errors.publish_failed ?? 0],
  ] as const;
  for (const [name, count] of problems) {
    if (count > 0) metrics.addMetric(name, MetricUnit.Count, count);
  }
  if (summary.oldestOwedSeconds > 0) {
    metrics.addMetric(
      TickMetric.OldestOwedNotificationSeconds,
      MetricUnit.Seconds,
      summary.oldestOwedSeconds,
    );
  }
}

/**
 * Writes the tick's metrics, if it has any, as one EMF line. Not Powertools' `logMetrics`
 * middleware: it warns on every invocation with nothing to publish, which is every idle tick, and
 * its cold-start metric would be one more billed series.
 */
export function publishTickMetrics(metrics: Metrics): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
