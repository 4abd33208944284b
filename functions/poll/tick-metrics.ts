import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { TICK_METRIC_DIMENSION, TickMetric } from '../contract.js';
import { StatusApiErrorKind } from '../core/domain/errors.js';
import type { TickSummary } from '../core/use-cases/poll-tick.js';

const API_ERROR_KINDS: ReadonlySet<string> = new Set(Object.values(StatusApiErrorKind));

/**
 * Turns a tick summary into CloudWatch metrics (EMF): what an operator watches, and what the
 * stack's alarms and dashboard read.
 */
export function recordTickMetrics(metrics: Metrics, summary: TickSummary): void {
  const add = (name: string, value: number): void => {
    metrics.addMetric(name, MetricUnit.Count, value);
  };
  add(TickMetric.TicksCompleted, summary.errors.internal ? 0 : 1);
  add(TickMetric.JobsChecked, summary.checked);
  add(TickMetric.Transitions, summary.transitions);
  add(TickMetric.NotificationsPublished, summary.notified);
  add(TickMetric.OperatorAlertsPublished, summary.alerts);
  add(TickMetric.JobsDeferred, summary.deferred);
  add(TickMetric.WriteConflicts, summary.conflicts);
  add(TickMetric.RegressionsIgnored, summary.regressionsIgnored);
  add(TickMetric.UnknownStatuses, summary.anomalies);
  add(TickMetric.PublishFailures, summary.errors.publish_failed ?? 0);
  add(TickMetric.InternalErrors, summary.errors.internal ?? 0);
  // Every tick, 0 included: the owed-notification alarm clears as soon as nothing is late.
  metrics.addMetric(TickMetric.OldestOwedNotificationSeconds, MetricUnit.Seconds, summary.oldestOwedSeconds);
  for (const [kind, count] of Object.entries(summary.errors)) {
    if (!API_ERROR_KINDS.has(kind)) continue;
    const single = metrics.singleMetric();
    single.addDimension(TICK_METRIC_DIMENSION[TickMetric.ApiErrors], kind);
    single.addMetric(TickMetric.ApiErrors, MetricUnit.Count, count);
  }
  for (const [status, count] of Object.entries(summary.byStatus)) {
    const single = metrics.singleMetric();
    single.addDimension(TICK_METRIC_DIMENSION[TickMetric.JobsByStatus], status);
    single.addMetric(TickMetric.JobsByStatus, MetricUnit.Count, count);
  }
  if (summary.halted) {
    const single = metrics.singleMetric();
    single.addDimension(TICK_METRIC_DIMENSION[TickMetric.TicksHalted], summary.halted);
    single.addMetric(TickMetric.TicksHalted, MetricUnit.Count, 1);
  }
}
