import { Aws, Duration, Stack } from 'aws-cdk-lib';
import {
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  LogQueryVisualizationType,
  LogQueryWidget,
  TextWidget,
  type IAlarm,
  type IWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { TickMetric } from '../../functions/contract.js';
import { tickMetric, type MetricsIdentity } from '../telemetry.js';
import { logGroupNamesOf, SAVED_QUERIES, type QueryLogGroups } from './log-queries.js';
import { ALARM_PERIOD } from './operator-alarms.js';

/** What the dashboard shows (all required: it is built from the Operations construct's props). */
export interface OperationsDashboardProps {
  /** Their states, in this order. */
  readonly alarms: readonly IAlarm[];
  /** Where the alarms' custom series are. */
  readonly metricsIdentity: MetricsIdentity;
  /** Its invocations, errors, throttles and duration. */
  readonly pollFunction: IFunction;
  /** Drawn on the duration graph. */
  readonly pollTimeout: Duration;
  /** Its dead-lettered ticks. */
  readonly deadLetterQueue: IQueue;
  /** Its requests, 4xx, 5xx and latency. */
  readonly httpApi: IHttpApi;
  /** What the Logs Insights widgets query. */
  readonly logGroups: QueryLogGroups;
}

// Explicit: each point of every graph is a five-minute sum (or statistic).
const WIDE = { width: 12, height: 6, period: ALARM_PERIOD } as const;

/**
 * The optional dashboard (CloudWatch bills $3 a month for it): the alarms' states, the custom
 * series they read, the free Lambda and API Gateway metrics, and Logs Insights widgets (the
 * saved queries) for what the ticks and requests did.
 */
export function createOperationsDashboard(
  scope: Construct,
  id: string,
  props: OperationsDashboardProps,
): Dashboard {
  const stackName = Stack.of(scope).stackName;
  const { namespace, service } = props.metricsIdentity;
  const dashboard = new Dashboard(scope, id, {
    dashboardName: `${stackName}-${Aws.REGION}`,
    defaultInterval: Duration.hours(12),
  });
  dashboard.addWidgets(
    new TextWidget({
      markdown: `# enrich-job-watch (${stackName})\nAlarmed custom metrics: namespace \`${namespace}\`, service \`${service}\` (the problem series have data only when something went wrong). The rest comes from the saved Logs Insights queries \`${stackName}/...\`.`,
      width: 24,
      height: 2,
    }),
  );
  dashboard.addWidgets(
    new AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 24, height: 3 }),
  );
  dashboard.addWidgets(...alarmedSeriesGraphs(props.metricsIdentity));
  dashboard.addWidgets(pollFunctionGraph(props), ...httpApiGraphs(props.httpApi));
  dashboard.addWidgets(...logQueryWidgets(props.logGroups));
  return dashboard;
}

/** The custom series the alarms read. */
function alarmedSeriesGraphs(identity: MetricsIdentity): GraphWidget[] {
  const sum = (name: (typeof TickMetric)[keyof typeof TickMetric], label: string) =>
    tickMetric(identity, name, { label });
  return [
    new GraphWidget({
      title: 'Checks and API errors',
      left: [
        sum(TickMetric.JobsChecked, 'checked'),
        sum(TickMetric.ApiDegradedErrors, 'API degraded errors'),
        sum(TickMetric.ApiAccessErrors, 'API access errors'),
        sum(TickMetric.ThrottledHalts, 'ticks halted, throttled'),
      ],
      ...WIDE,
    }),
    new GraphWidget({
      title: 'Notifications owed',
      left: [sum(TickMetric.PublishFailures, 'publish failures')],
      right: [
        tickMetric(identity, TickMetric.OldestOwedNotificationSeconds, {
          label: 'oldest owed (s, max)',
          statistic: 'Maximum',
        }),
      ],
      rightYAxis: { label: 'seconds owed', min: 0 },
      ...WIDE,
    }),
  ];
}

/** The poll function's own Lambda metrics and its schedule's dead letters, against its timeout. */
function pollFunctionGraph({
  pollFunction: fn,
  deadLetterQueue,
  pollTimeout,
}: OperationsDashboardProps): GraphWidget {
  return new GraphWidget({
    title: 'Poll function',
    left: [
      fn.metricInvocations({ period: ALARM_PERIOD, statistic: 'Sum', label: 'invocations' }),
      fn.metricErrors({ period: ALARM_PERIOD, statistic: 'Sum', label: 'errors' }),
      fn.metricThrottles({ period: ALARM_PERIOD, statistic: 'Sum', label: 'throttles' }),
      deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: ALARM_PERIOD,
        statistic: 'Maximum',
        label: 'dead-lettered ticks',
      }),
    ],
    right: [
      fn.metricDuration({ period: ALARM_PERIOD, statistic: 'p99', label: 'duration p99 (ms)' }),
      fn.metricDuration({ period: ALARM_PERIOD, statistic: 'Maximum', label: 'duration max (ms)' }),
    ],
    rightAnnotations: [{ value: pollTimeout.toMilliseconds(), label: 'timeout' }],
    ...WIDE,
  });
}

/** The HTTP API's requests by status class, and how long they take. */
function httpApiGraphs(api: IHttpApi): [GraphWidget, GraphWidget] {
  const sum = { period: ALARM_PERIOD, statistic: 'Sum' } as const;
  return [
    new GraphWidget({
      title: 'HTTP API requests',
      left: [
        api.metricCount({ ...sum, label: 'requests' }),
        api.metricClientError({ ...sum, label: '4xx' }),
        api.metricServerError({ ...sum, label: '5xx' }),
      ],
      ...WIDE,
    }),
    new GraphWidget({
      title: 'HTTP API latency (ms)',
      left: [
        api.metricLatency({ period: ALARM_PERIOD, statistic: 'p50', label: 'latency p50' }),
        api.metricLatency({ period: ALARM_PERIOD, statistic: 'p99', label: 'latency p99' }),
        api.metricIntegrationLatency({ period: ALARM_PERIOD, statistic: 'p99', label: 'integration p99' }),
      ],
      ...WIDE,
    }),
  ];
}

/** One Logs Insights widget per saved query, as a table (they bin by time themselves). */
function logQueryWidgets(logGroups: QueryLogGroups): IWidget[] {
  return SAVED_QUERIES.map(
    (query) =>
      new LogQueryWidget({
        title: query.title,
        logGroupNames: logGroupNamesOf(query, logGroups),
        queryString: query.query.toString(),
        view: LogQueryVisualizationType.TABLE,
        width: 12,
        height: 6,
      }),
  );
}
