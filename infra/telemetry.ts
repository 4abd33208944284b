import { Duration } from 'aws-cdk-lib';
import { Metric, type MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import { SERVICE_DIMENSION, type TickMetricName } from '../functions/contract.js';

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
 * A custom metric of the poll function, addressed with exactly the dimensions Powertools emits
 * (`{service}`, see `CUSTOM_METRIC_SERIES`): a five-minute sum unless the options say otherwise.
 */
export function tickMetric(
  identity: MetricsIdentity,
  name: TickMetricName,
  options: MetricOptions = {},
): Metric {
  return new Metric({
    namespace: identity.namespace,
    metricName: name,
    dimensionsMap: { [SERVICE_DIMENSION]: identity.service },
    statistic: 'Sum',
    period: Duration.minutes(5),
    ...options,
  });
}
