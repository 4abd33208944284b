import { Duration } from 'aws-cdk-lib';
import { Metric, type MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import { SERVICE_DIMENSION, TICK_METRIC_DIMENSION, type TickMetricName } from '../functions/contract.js';

/**
 * Where the poll function's custom metrics land, and the one place both sides read it from:
 * `createAppFunction` sets POWERTOOLS_METRICS_NAMESPACE / POWERTOOLS_SERVICE_NAME from it, and
 * the alarms and the dashboard address their metrics with it.
 */
export interface MetricsIdentity {
  /** CloudWatch namespace (POWERTOOLS_METRICS_NAMESPACE). */
  readonly namespace: string;
  /** Powertools service name (POWERTOOLS_SERVICE_NAME): the `service` dimension on every metric. */
  readonly service: string;
}

/** The defaults; a second stack in the same account and region must set another `service`. */
export const DEFAULT_METRICS_IDENTITY: MetricsIdentity = {
  namespace: 'EnrichJobWatch',
  service: 'enrich-job-watch',
};

/**
 * A custom metric of the poll function, addressed with exactly the dimensions Powertools emits:
 * `{service}` for the plain tick metrics, `{service, <kind dimension>}` for the per-kind ones.
 */
export function tickMetric(
  identity: MetricsIdentity,
  name: TickMetricName,
  options: MetricOptions & { readonly kind?: string } = {},
): Metric {
  const { kind, ...metricOptions } = options;
  const kindDimension = (TICK_METRIC_DIMENSION as Partial<Record<string, string>>)[name];
  if ((kindDimension === undefined) !== (kind === undefined)) {
    throw new Error(
      kindDimension === undefined
        ? `${name} has no per-kind dimension`
        : `${name} is emitted per ${kindDimension}: give its value`,
    );
  }
  return new Metric({
    namespace: identity.namespace,
    metricName: name,
    dimensionsMap: {
      [SERVICE_DIMENSION]: identity.service,
      ...(kindDimension !== undefined && kind !== undefined ? { [kindDimension]: kind } : {}),
    },
    statistic: 'Sum',
    period: Duration.minutes(5),
    ...metricOptions,
  });
}
