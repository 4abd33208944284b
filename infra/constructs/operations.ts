import { Aws, Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  TextWidget,
  type IAlarmAction,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  API_ERROR_KINDS,
  HALT_REASONS,
  JOB_STATUSES,
  TickMetric,
  type TickMetricName,
} from '../../functions/contract.js';
import { tickMetric, type MetricsIdentity } from '../telemetry.js';
import {
  ALARM_PERIOD,
  apiAccessAlarm,
  apiDegradedAlarm,
  apiServerErrorsAlarm,
  deadLettersAlarm,
  heartbeatAlarm,
  heartbeatWindowMinutes,
  notificationOwedAlarm,
  pollDurationAlarm,
  pollErrorsAlarm,
  pollThrottlesAlarm,
  publishFailuresAlarm,
  throttledHaltsAlarm,
  webhookErrorsAlarm,
  type AlarmDefinition,
} from './operator-alarms.js';

export interface OperationsProps {
  /** The poll function: its errors, throttles and duration are alarmed. */
  readonly pollFunction: IFunction;
  /** The poll function's timeout: the duration alarm fires at `DURATION_ALARM_SHARE` of it (operator-alarms.ts). */
  readonly pollTimeout: Duration;
  /** The schedule's interval: the heartbeat window must cover at least two. */
  readonly pollInterval: Duration;
  /** The schedule's dead-letter queue. */
  readonly deadLetterQueue: IQueue;
  /** The HTTP API: its 5xx answers are alarmed, its traffic graphed. */
  readonly httpApi: IHttpApi;
  /** The webhook function: its errors are alarmed. */
  readonly webhookFunction: IFunction;
  /** The alarm and OK action of every alarm: the alarm relay, which publishes to the operator topic. */
  readonly alarmAction: IAlarmAction;
  /** Namespace and service the poll function's custom metrics are emitted under. */
  readonly metricsIdentity: MetricsIdentity;
  /**
   * How long without a completed tick before the heartbeat alarm fires (whole minutes, at least
   * two intervals, at most a day).
   * @default the longer of 10 minutes and three intervals
   */
  readonly heartbeatWindow?: Duration;
}

/**
 * The alarms an operator needs (each with its alarm and OK actions on the alarm relay) and a
 * dashboard of the poller's custom and Lambda metrics and of the HTTP API's traffic.
 */
export class Operations extends Construct {
  readonly alarms: {
    readonly errors: Alarm;
    readonly throttles: Alarm;
    readonly duration: Alarm;
    readonly deadLetters: Alarm;
    readonly apiAccess: Alarm;
    readonly apiDegraded: Alarm;
    readonly throttledHalts: Alarm;
    readonly publishFailures: Alarm;
    readonly notificationOwed: Alarm;
    readonly heartbeat: Alarm;
    readonly apiServerErrors: Alarm;
    readonly webhookErrors: Alarm;
  };
  readonly dashboard: Dashboard;
  /** Minutes without a completed tick before the heartbeat alarm fires. */
  readonly heartbeatMinutes: number;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const { pollFunction: fn, metricsIdentity: identity } = props;
    this.heartbeatMinutes = heartbeatWindowMinutes(props.pollInterval, props.heartbeatWindow);
    const alarm = (definition: AlarmDefinition): Alarm => this.operatorAlarm(definition, props.alarmAction);
    // This order is the order of the dashboard's alarm status widget.
    this.alarms = {
      errors: alarm(pollErrorsAlarm(fn)),
      throttles: alarm(pollThrottlesAlarm(fn)),
      duration: alarm(pollDurationAlarm(fn, props.pollTimeout)),
      deadLetters: alarm(deadLettersAlarm(props.deadLetterQueue)),
      apiAccess: alarm(apiAccessAlarm(identity)),
      apiDegraded: alarm(apiDegradedAlarm(identity)),
      throttledHalts: alarm(throttledHaltsAlarm(identity)),
      publishFailures: alarm(publishFailuresAlarm(identity)),
      notificationOwed: alarm(notificationOwedAlarm(identity)),
      heartbeat: alarm(heartbeatAlarm(identity, this.heartbeatMinutes)),
      apiServerErrors: alarm(apiServerErrorsAlarm(props.httpApi)),
      webhookErrors: alarm(webhookErrorsAlarm(props.webhookFunction)),
    };
    this.dashboard = this.createDashboard(props);
  }

  /** The console URL of the dashboard. */
  get dashboardUrl(): string {
    return `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards/dashboard/${this.dashboard.dashboardName}`;
  }

  /** An alarm named after the stack that notifies the operator both when it fires and when it clears. */
  private operatorAlarm({ id, description, ...props }: AlarmDefinition, action: IAlarmAction): Alarm {
    const alarm = new Alarm(this, id, {
      alarmName: `${Stack.of(this).stackName}-${id}`,
      alarmDescription: description,
      ...props,
    });
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    return alarm;
  }

  /** Rows from the overview (alarm states) down to the detail (per-kind series, the Lambda metrics). */
  private createDashboard(props: OperationsProps): Dashboard {
    const stackName = Stack.of(this).stackName;
    const identity = props.metricsIdentity;
    const graphs = customMetricGraphs(identity);
    const dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${stackName}-${Aws.REGION}`,
      defaultInterval: Duration.hours(12),
    });
    dashboard.addWidgets(
      new TextWidget({
        markdown: `# enrich-job-watch (${stackName})\nCustom metrics: namespace \`${identity.namespace}\`, service \`${identity.service}\`, sums over 5 minutes.`,
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      new AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(this.alarms), width: 24, height: 3 }),
    );
    dashboard.addWidgets(graphs.ticks, graphs.checks);
    dashboard.addWidgets(graphs.notifications, graphs.apiErrors);
    dashboard.addWidgets(graphs.jobsByStatus, pollFunctionGraph(props));
    dashboard.addWidgets(...httpApiGraphs(props.httpApi));
    return dashboard;
  }
}

// Explicit: each point of every graph is a five-minute sum (or statistic).
const WIDE = { width: 12, height: 6, period: Duration.minutes(5) } as const;

/** The graphs of the poll function's custom metrics (what the ticks did). */
function customMetricGraphs(identity: MetricsIdentity) {
  const metric = (name: TickMetricName, label: string): IMetric => tickMetric(identity, name, { label });
  const perKind = (name: TickMetricName, kinds: readonly string[]): IMetric[] =>
    kinds.map((kind) => tickMetric(identity, name, { kind, label: kind }));
  return {
    ticks: new GraphWidget({
      title: 'Ticks',
      left: [metric(TickMetric.TicksCompleted, 'completed')],
      right: perKind(TickMetric.TicksHalted, HALT_REASONS),
      rightYAxis: { label: 'halted, by reason', min: 0 },
      ...WIDE,
    }),
    checks: new GraphWidget({
      title: 'Checks and transitions',
      left: [
        metric(TickMetric.JobsChecked, 'checked'),
        metric(TickMetric.Transitions, 'transitions'),
        metric(TickMetric.JobsDeferred, 'deferred'),
      ],
      ...WIDE,
    }),
    notifications: new GraphWidget({
      title: 'Notifications',
      left: [
        metric(TickMetric.NotificationsPublished, 'job notifications'),
        metric(TickMetric.OperatorAlertsPublished, 'operator alerts'),
        metric(TickMetric.PublishFailures, 'publish failures'),
      ],
      right: [
        tickMetric(identity, TickMetric.OldestOwedNotificationSeconds, {
          label: 'oldest owed (s, max)',
          statistic: 'Maximum',
        }),
      ],
      rightYAxis: { label: 'seconds owed', min: 0 },
      ...WIDE,
    }),
    apiErrors: new GraphWidget({
      title: 'API errors by code (ErrorKind)',
      left: perKind(TickMetric.ApiErrors, API_ERROR_KINDS),
      stacked: true,
      ...WIDE,
    }),
    jobsByStatus: new GraphWidget({
      title: 'Jobs by status (checked, sum over 5 minutes)',
      left: perKind(TickMetric.JobsByStatus, JOB_STATUSES),
      stacked: true,
      ...WIDE,
    }),
  };
}

/** The poll function's own Lambda metrics and its schedule's dead letters, against its timeout. */
function pollFunctionGraph({ pollFunction: fn, deadLetterQueue, pollTimeout }: OperationsProps): GraphWidget {
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

/** The HTTP API's requests by outcome, and how long they take. */
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
