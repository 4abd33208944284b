import { Metrics } from '@aws-lambda-powertools/metrics';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TickSummary } from '../../functions/core/use-cases/poll-tick.js';
import { recordTickMetrics } from '../../functions/poll/tick-metrics.js';
import { baseEnvironment } from '../../infra/constructs/function-defaults.js';
import { Operations } from '../../infra/constructs/operations.js';
import type { MetricsIdentity } from '../../infra/telemetry.js';
import { cfnText, type Resource } from './fixture.js';

/**
 * The contract between what the poll function emits and what the alarms and the dashboard read:
 * a CloudWatch metric is addressed by namespace, name and its exact set of dimensions, so one
 * dimension too many or too few and an alarm watches a series that never gets data.
 */

const IDENTITY: MetricsIdentity = {
  namespace: 'EnrichJobWatchContract',
  service: 'enrich-job-watch-contract',
};

/**
 * The values CloudWatch must see in each per-kind dimension, written out here rather than taken
 * from the contract's lists (JOB_STATUSES, API_ERROR_KINDS, HALT_REASONS): the stack builds its
 * alarms and dashboard from those lists, so a wrong or missing entry there must fail this test.
 */
const ERROR_KINDS = [
  'unauthorized',
  'payment_required',
  'forbidden',
  'api_key_unavailable',
  'api_key_transient',
  'not_found',
  'rejected',
  'throttled',
  'server_error',
  'unexpected_http_status',
  'timeout',
  'network',
  'malformed',
  'mismatched',
  'aborted',
];
const STATUSES = ['pending', 'processing', 'completing', 'completed', 'failed', 'not_found', 'rejected'];
const HALTS = [
  'unauthorized',
  'payment_required',
  'forbidden',
  'api_key_unavailable',
  'api_key_transient',
  'systematic_not_found',
  'systematic_rejected',
  'throttled',
  'deadline',
  'aborted',
] as const satisfies readonly TickSummary['halted'][];

/** A summary with every per-kind series non-empty. */
const SUMMARY: TickSummary = {
  now: '2026-11-29T10:00:00.000Z',
  checked: 5,
  transitions: 2,
  notified: 1,
  alerts: 1,
  unchanged: 1,
  byStatus: Object.fromEntries(STATUSES.map((status) => [status, 1])),
  regressionsIgnored: 0,
  anomalies: 0,
  conflicts: 0,
  deferred: 0,
  oldestOwedSeconds: 960,
  errors: { ...Object.fromEntries(ERROR_KINDS.map((kind) => [kind, 1])), publish_failed: 1, internal: 0 },
  halted: 'unauthorized',
};

interface EmfDocument {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
}

/** One series as CloudWatch keys it. */
interface Series {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
}

const key = (series: Series): string =>
  JSON.stringify([
    series.namespace,
    series.name,
    Object.entries(series.dimensions).sort(([a], [b]) => a.localeCompare(b)),
  ]);

/**
 * Runs `recordTickMetrics` the way the deployed handler does: `new Metrics()` configured only by
 * the environment the stack gives the function (POWERTOOLS_SERVICE_NAME, _METRICS_NAMESPACE).
 */
function emittedSeries(summary: TickSummary): { documents: EmfDocument[]; series: Series[] } {
  for (const [name, value] of Object.entries(baseEnvironment(IDENTITY, 'INFO'))) vi.stubEnv(name, value);
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  const metrics = new Metrics();
  recordTickMetrics(metrics, summary);
  metrics.publishStoredMetrics();
  vi.restoreAllMocks();
  const documents = lines
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as EmfDocument);
  const series = documents.flatMap((document) =>
    document._aws.CloudWatchMetrics.flatMap((directive) =>
      directive.Dimensions.flatMap((dimensionSet) =>
        directive.Metrics.map((metric) => ({
          namespace: directive.Namespace,
          name: metric.Name,
          dimensions: Object.fromEntries(dimensionSet.map((name) => [name, String(document[name])])),
        })),
      ),
    ),
  );
  return { documents, series };
}

/** Every series the function can emit: one tick per halt reason, every kind present. */
function everyEmittedSeries(): Set<string> {
  return new Set(HALTS.flatMap((reason) => emittedSeries({ ...SUMMARY, halted: reason }).series).map(key));
}

/** Every custom-namespace series the alarms and the dashboard of {@link Operations} read. */
function readSeries(template: Template): { alarms: Series[]; dashboard: Series[] } {
  const alarms = Object.values(
    template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>,
  ).flatMap(({ Properties: alarm }) => {
    type Metric = { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: string }[] };
    const metrics: Metric[] =
      alarm.Metrics !== undefined
        ? (alarm.Metrics as { MetricStat?: { Metric: Metric } }[]).flatMap((query) =>
            query.MetricStat ? [query.MetricStat.Metric] : [],
          )
        : [alarm as unknown as Metric];
    return metrics.map((metric) => ({
      namespace: metric.Namespace,
      name: metric.MetricName,
      dimensions: Object.fromEntries((metric.Dimensions ?? []).map(({ Name, Value }) => [Name, Value])),
    }));
  });
  const dashboard = Object.values(
    template.findResources('AWS::CloudWatch::Dashboard') as Record<string, Resource>,
  );
  const body = JSON.parse(cfnText(dashboard[0]?.Properties.DashboardBody)) as {
    widgets: { properties: { metrics?: unknown[][] } }[];
  };
  const widgetSeries = body.widgets.flatMap((widget) =>
    (widget.properties.metrics ?? []).map((metric) => {
      const [namespace, name, ...rest] = metric.filter((part): part is string => typeof part === 'string');
      const dimensions: Record<string, string> = {};
      for (let index = 0; index + 1 < rest.length; index += 2)
        dimensions[rest[index] ?? ''] = rest[index + 1] ?? '';
      return { namespace: namespace ?? '', name: name ?? '', dimensions };
    }),
  );
  const custom = (series: Series) => series.namespace === IDENTITY.namespace;
  return { alarms: alarms.filter(custom), dashboard: widgetSeries.filter(custom) };
}

let template: Template;

beforeAll(() => {
  const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Contract');
  new Operations(stack, 'Operations', {
    pollFunction: LambdaFunction.fromFunctionArn(
      stack,
      'Poll',
      'arn:aws:lambda:us-east-1:123456789012:function:poll',
    ),
    pollTimeout: Duration.seconds(50),
    pollInterval: Duration.minutes(1),
    deadLetterQueue: Queue.fromQueueArn(stack, 'Dlq', 'arn:aws:sqs:us-east-1:123456789012:dlq'),
    httpApi: HttpApi.fromHttpApiAttributes(stack, 'Api', { httpApiId: 'a1b2c3d4e5' }),
    webhookFunction: LambdaFunction.fromFunctionArn(
      stack,
      'Webhook',
      'arn:aws:lambda:us-east-1:123456789012:function:webhook',
    ),
    alarmAction: new SnsAction(
      Topic.fromTopicArn(stack, 'Operator', 'arn:aws:sns:us-east-1:123456789012:operator'),
    ),
    metricsIdentity: IDENTITY,
  });
  template = Template.fromStack(stack);
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('what Powertools emits for recordTickMetrics', () => {
  it('puts the `service` dimension, from POWERTOOLS_SERVICE_NAME, on every metric; singleMetric() adds exactly its one kind', () => {
    const { documents } = emittedSeries(SUMMARY);
    const dimensionSets = new Map<string, string[][]>();
    for (const document of documents) {
      for (const directive of document._aws.CloudWatchMetrics) {
        expect(directive.Namespace).toBe(IDENTITY.namespace);
        expect(document.service).toBe(IDENTITY.service);
        for (const metric of directive.Metrics) dimensionSets.set(metric.Name, directive.Dimensions);
      }
    }
    expect(Object.fromEntries(dimensionSets)).toEqual({
      TicksCompleted: [['service']],
      JobsChecked: [['service']],
      Transitions: [['service']],
      NotificationsPublished: [['service']],
      OperatorAlertsPublished: [['service']],
      JobsDeferred: [['service']],
      WriteConflicts: [['service']],
      RegressionsIgnored: [['service']],
      UnknownStatuses: [['service']],
      PublishFailures: [['service']],
      InternalErrors: [['service']],
      OldestOwedNotificationSeconds: [['service']],
      ApiErrors: [['service', 'ErrorKind']],
      JobsByStatus: [['service', 'Status']],
      TicksHalted: [['service', 'Reason']],
    });
  });
});

describe('the alarms and the dashboard', () => {
  it('read only series the function emits, with exactly the emitted dimensions', () => {
    const emitted = everyEmittedSeries();
    const { alarms, dashboard } = readSeries(template);
    expect(alarms.length).toBeGreaterThan(0);
    expect(dashboard.length).toBeGreaterThan(0);
    for (const series of [...alarms, ...dashboard]) {
      expect(emitted.has(key(series)), `${key(series)} is never emitted`).toBe(true);
    }
  });

  it('alarm on exactly these series: heartbeat, access and degraded API errors, halts, publish failures, owed age', () => {
    const { alarms } = readSeries(template);
    const plain = (name: string): Series => ({
      namespace: IDENTITY.namespace,
      name,
      dimensions: { service: IDENTITY.service },
    });
    const perKind = (name: string, dimension: string, values: readonly string[]): Series[] =>
      values.map((value) => ({
        namespace: IDENTITY.namespace,
        name,
        dimensions: { service: IDENTITY.service, [dimension]: value },
      }));
    expect(alarms.map(key).sort()).toEqual(
      [
        plain('TicksCompleted'),
        ...perKind('ApiErrors', 'ErrorKind', [
          'unauthorized',
          'payment_required',
          'forbidden',
          'api_key_unavailable',
        ]),
        // The degraded-API alarm: these kinds over the checks made.
        ...perKind('ApiErrors', 'ErrorKind', [
          'server_error',
          'unexpected_http_status',
          'timeout',
          'network',
          'malformed',
          'mismatched',
        ]),
        plain('JobsChecked'),
        ...perKind('TicksHalted', 'Reason', ['throttled']),
        plain('PublishFailures'),
        plain('OldestOwedNotificationSeconds'),
      ]
        .map(key)
        .sort(),
    );
  });

  it('cover every halt reason, error kind and job status the function can emit', () => {
    const series = (name: string, dimension: string, values: readonly string[]): string[] =>
      values.map((value) =>
        key({
          namespace: IDENTITY.namespace,
          name,
          dimensions: { service: IDENTITY.service, [dimension]: value },
        }),
      );
    const expected = [
      ...series('ApiErrors', 'ErrorKind', ERROR_KINDS),
      ...series('JobsByStatus', 'Status', STATUSES),
      ...series('TicksHalted', 'Reason', HALTS),
    ].sort();
    const perKind = (all: Iterable<string>): string[] =>
      [...new Set(all)].filter((one) => (JSON.parse(one) as unknown[][])[2]?.length === 2).sort();
    expect(perKind(everyEmittedSeries())).toEqual(expected);
    expect(perKind(readSeries(template).dashboard.map(key))).toEqual(expected);
  });
});
