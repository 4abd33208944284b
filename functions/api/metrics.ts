/**
 * The HTTP functions' custom metrics (EMF through Powertools Metrics, in the namespace the stack
 * sets). Every request records exactly one outcome, so each invocation publishes something and
 * the counts add up to the requests served.
 */
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';

export const ApiMetric = {
  JobsTracked: 'JobsTracked',
  JobsAlreadyTracked: 'JobsAlreadyTracked',
  JobsSubmitted: 'JobsSubmitted',
  SubmitReplays: 'SubmitReplays',
  /** CompanyEnrich created a job that could not be tracked: the id was returned, someone should look. */
  SubmitTrackingFailures: 'SubmitTrackingFailures',
  JobsRead: 'JobsRead',
  JobPagesListed: 'JobPagesListed',
  JobsUntracked: 'JobsUntracked',
  /** 4xx: the caller's request was refused. */
  ClientErrors: 'ClientErrors',
  /** 502/503 from CompanyEnrich's side (its account, throttling, outage). */
  UpstreamErrors: 'UpstreamErrors',
  /** 500: a fault of ours; the error is logged. */
  ServerErrors: 'ServerErrors',
} as const;

export const WebhookMetric = {
  /** The hint led to a status check of the job. */
  WebhookChecks: 'WebhookChecks',
  /** Another hint checked the job within the window, or it had already finished. */
  WebhookHintsSkipped: 'WebhookHintsSkipped',
  /** Bad token, unknown job or malformed path: answered 404. */
  WebhookRejected: 'WebhookRejected',
} as const;

export type HttpMetricName =
  (typeof ApiMetric)[keyof typeof ApiMetric] | (typeof WebhookMetric)[keyof typeof WebhookMetric];

/** Adds one to a count metric. */
export function count(metrics: Metrics, name: HttpMetricName): void {
  metrics.addMetric(name, MetricUnit.Count, 1);
}
