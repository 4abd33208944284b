import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { StatusApiErrorKind } from '../core/domain/errors.js';
import type { TickSummary } from '../core/use-cases/poll-tick.js';

const API_ERROR_KINDS: ReadonlySet<string> = new Set(Object.values(StatusApiErrorKind));

/** Metric names, shared with the stack's alarms and dashboard. */
export const TickMetric = {
  TicksCompleted: 'TicksCompleted',
  JobsChecked: 'JobsChecked',
  Transitions: 'Transitions',
  NotificationsPublished: 'NotificationsPublished',
  OperatorAlertsPublished: 'OperatorAlertsPublished',
  JobsDeferred: 'JobsDeferred',
  WriteConflicts: 'WriteConflicts',
  RegressionsIgnored: 'RegressionsIgnored',
  UnknownStatuses: 'UnknownStatuses',
  PublishFailures: 'PublishFailures',
  InternalErrors: 'InternalErrors',
  /** Dimension `ErrorKind`: unauthorized, payment_required, throttled, server_error, timeout, ... */
  ApiErrors: 'ApiErrors',
  /** Dimension `Reason`: why the tick stopped early. */
  TicksHalted: 'TicksHalted',
  /** Dimension `Status`: checked jobs by their status after the check (see `TickSummary.byStatus`). */
  JobsByStatus: 'JobsByStatus',
} as const;

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
  for (const [kind, count] of Object.entries(summary.errors)) {
    if (!API_ERROR_KINDS.has(kind)) continue;
    const single = metrics.singleMetric();
    single.addDimension('ErrorKind', kind);
    single.addMetric(TickMetric.ApiErrors, MetricUnit.Count, count);
  }
  for (const [status, count] of Object.entries(summary.byStatus)) {
    const single = metrics.singleMetric();
    single.addDimension('Status', status);
    single.addMetric(TickMetric.JobsByStatus, MetricUnit.Count, count);
  }
  if (summary.halted) {
    const single = metrics.singleMetric();
    single.addDimension('Reason', summary.halted);
    single.addMetric(TickMetric.TicksHalted, MetricUnit.Count, 1);
  }
}
