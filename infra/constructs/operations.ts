import { Aws, Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  ACCESS_ERROR_KINDS,
  API_ERROR_KINDS,
  HALT_REASONS,
  JOB_STATUSES,
  TickMetric,
} from '../../functions/contract.js';
import { tickMetric, type MetricsIdentity } from '../telemetry.js';

/** The share of the timeout a tick's p99 duration may reach before the duration alarm fires. */
export const DURATION_ALARM_SHARE = 0.8;
/** The period of every alarm except the heartbeat's (one minute per datapoint). */
export const ALARM_PERIOD = Duration.minutes(5);
/** The heartbeat's datapoints are this long; it fires when all of them in its window are empty. */
export const HEARTBEAT_PERIOD = Duration.minutes(1);
/** CloudWatch: evaluation periods x period may not exceed a day. */
export const MAX_HEARTBEAT = Duration.days(1);

export interface OperationsProps {
  /** The poll function: its errors, throttles and duration are alarmed. */
  readonly pollFunction: IFunction;
  /** The poll function's timeout: the duration alarm fires at {@link DURATION_ALARM_SHARE} of it. */
  readonly pollTimeout: Duration;
  /** The schedule's interval: the heartbeat window must cover at least two. */
  readonly pollInterval: Duration;
  /** The schedule's dead-letter queue. */
  readonly deadLetterQueue: IQueue;
  /** Where alarm and OK notifications go. */
  readonly operatorTopic: ITopic;
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
 * The alarms an operator needs (each with its alarm and OK actions on the operator topic) and a
 * dashboard of the poller's custom and Lambda metrics.
 */
export class Operations extends Construct {
  readonly alarms: {
    readonly errors: Alarm;
    readonly throttles: Alarm;
    readonly duration: Alarm;
    readonly deadLetters: Alarm;
    readonly apiAccess: Alarm;
    readonly heartbeat: Alarm;
  };
  readonly dashboard: Dashboard;
  /** Minutes without a completed tick before the heartbeat alarm fires. */
  readonly heartbeatMinutes: number;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const { pollFunction: fn, metricsIdentity: identity } = props;
    const stackName = Stack.of(this).stackName;
    const intervalMinutes = props.pollInterval.toMinutes({ integral: false });
    const heartbeatMinutes = (
      props.heartbeatWindow ?? Duration.minutes(Math.max(10, 3 * intervalMinutes))
    ).toMinutes({ integral: false });
    if (
      !Number.isInteger(heartbeatMinutes) ||
      heartbeatMinutes < 2 * intervalMinutes ||
      heartbeatMinutes > MAX_HEARTBEAT.toMinutes()
    ) {
      throw new Error(
        `Operations: heartbeatWindow must be whole minutes, at least two poll intervals (${2 * intervalMinutes}) and at most ${MAX_HEARTBEAT.toMinutes()} (got ${heartbeatMinutes})`,
      );
    }
    this.heartbeatMinutes = heartbeatMinutes;
    const timeoutMs = props.pollTimeout.toMilliseconds();
    const action = new SnsAction(props.operatorTopic);
    const alarm = (
      name: string,
      description: string,
      options: ConstructorParameters<typeof Alarm>[2],
    ): Alarm => {
      const created = new Alarm(this, name, {
        alarmName: `${stackName}-${name}`,
        alarmDescription: description,
        ...options,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      return created;
    };

    const accessErrors = Object.fromEntries(
      ACCESS_ERROR_KINDS.map((kind, index) => [
        `m${index}`,
        tickMetric(identity, TickMetric.ApiErrors, { kind, period: ALARM_PERIOD }),
      ]),
    );

    this.alarms = {
      errors: alarm(
        'PollErrors',
        'Poll ticks failed (Lambda Errors >= 1 in 2 of the last 3 five-minute periods): a crash, an invalid configuration or an internal error. Read the function log group and the X-Ray traces.',
        {
          metric: fn.metricErrors({ period: ALARM_PERIOD, statistic: 'Sum' }),
          threshold: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 3,
          datapointsToAlarm: 2,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        },
      ),
      throttles: alarm(
        'PollThrottles',
        'Poll invocations were throttled (Lambda Throttles >= 1 in 2 of the last 3 five-minute periods): ticks overlapped the reserved concurrency (a manual invoke, or ticks running as long as the interval) and some were dropped. Check the duration and the reserved concurrency.',
        {
          metric: fn.metricThrottles({ period: ALARM_PERIOD, statistic: 'Sum' }),
          threshold: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 3,
          datapointsToAlarm: 2,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        },
      ),
      duration: alarm(
        'PollDuration',
        `Poll ticks run close to their timeout (p99 Duration > ${DURATION_ALARM_SHARE * 100}% of ${props.pollTimeout.toSeconds()} s in 2 of the last 3 five-minute periods): more due jobs than a tick can check, or a slow API. Look at JobsDeferred and TicksHalted{Reason=deadline}; raise CHECK_CONCURRENCY or the timeout.`,
        {
          metric: fn.metricDuration({ period: ALARM_PERIOD, statistic: 'p99' }),
          threshold: Math.round(timeoutMs * DURATION_ALARM_SHARE),
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 3,
          datapointsToAlarm: 2,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        },
      ),
      deadLetters: alarm(
        'ScheduleDeadLetters',
        'EventBridge Scheduler could not invoke the poll function and dead-lettered the tick (messages visible >= 1): the function or the schedule role is broken. Read the message attributes (ERROR_CODE, ERROR_MESSAGE), fix, then purge the queue; ticks are not replayed.',
        {
          metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: ALARM_PERIOD,
            statistic: 'Maximum',
          }),
          threshold: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        },
      ),
      apiAccess: alarm(
        'ApiAccess',
        `CompanyEnrich refuses the watcher (ApiErrors with ErrorKind ${ACCESS_ERROR_KINDS.join(' / ')} >= 1 in the last five minutes): the key was revoked, credits are exhausted, or the secret is empty or unreadable. Polling is paused until it clears. Fix the key (SetApiKeyCommand output) or the account's credits.`,
        {
          metric: new MathExpression({
            expression: Object.keys(accessErrors)
              .map((metricId) => `FILL(${metricId}, 0)`)
              .join(' + '),
            usingMetrics: accessErrors,
            label: 'API access errors',
            period: ALARM_PERIOD,
          }),
          threshold: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        },
      ),
      heartbeat: alarm(
        'Heartbeat',
        `No poll tick completed for ${heartbeatMinutes} minutes (TicksCompleted sum < 1 in every minute; no data counts as none): the schedule is disabled or failing, every tick fails, or the metrics stopped. Check the schedule, the PollErrors alarm and the function log group.`,
        {
          metric: tickMetric(identity, TickMetric.TicksCompleted, { period: HEARTBEAT_PERIOD }),
          threshold: 1,
          comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: heartbeatMinutes,
          datapointsToAlarm: heartbeatMinutes,
          treatMissingData: TreatMissingData.BREACHING,
        },
      ),
    };

    const metric = (name: Parameters<typeof tickMetric>[1], label: string): IMetric =>
      tickMetric(identity, name, { label });
    const perKind = (name: Parameters<typeof tickMetric>[1], kinds: readonly string[]): IMetric[] =>
      kinds.map((kind) => tickMetric(identity, name, { kind, label: kind }));
    // Explicit: each point of every graph is a five-minute sum (or statistic).
    const wide = { width: 12, height: 6, period: Duration.minutes(5) } as const;

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${stackName}-${Aws.REGION}`,
      defaultInterval: Duration.hours(12),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# enrich-job-watch (${stackName})\nCustom metrics: namespace \`${identity.namespace}\`, service \`${identity.service}\`, sums over 5 minutes.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(this.alarms), width: 24, height: 3 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Ticks',
        left: [metric(TickMetric.TicksCompleted, 'completed')],
        right: perKind(TickMetric.TicksHalted, HALT_REASONS),
        rightYAxis: { label: 'halted, by reason', min: 0 },
        ...wide,
      }),
      new GraphWidget({
        title: 'Checks and transitions',
        left: [
          metric(TickMetric.JobsChecked, 'checked'),
          metric(TickMetric.Transitions, 'transitions'),
          metric(TickMetric.JobsDeferred, 'deferred'),
        ],
        ...wide,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Notifications',
        left: [
          metric(TickMetric.NotificationsPublished, 'job notifications'),
          metric(TickMetric.OperatorAlertsPublished, 'operator alerts'),
          metric(TickMetric.PublishFailures, 'publish failures'),
        ],
        ...wide,
      }),
      new GraphWidget({
        title: 'API errors by code (ErrorKind)',
        left: perKind(TickMetric.ApiErrors, API_ERROR_KINDS),
        stacked: true,
        ...wide,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Jobs by status (checked, sum over 5 minutes)',
        left: perKind(TickMetric.JobsByStatus, JOB_STATUSES),
        stacked: true,
        ...wide,
      }),
      new GraphWidget({
        title: 'Poll function',
        left: [
          fn.metricInvocations({ period: ALARM_PERIOD, statistic: 'Sum', label: 'invocations' }),
          fn.metricErrors({ period: ALARM_PERIOD, statistic: 'Sum', label: 'errors' }),
          fn.metricThrottles({ period: ALARM_PERIOD, statistic: 'Sum', label: 'throttles' }),
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: ALARM_PERIOD,
            statistic: 'Maximum',
            label: 'dead-lettered ticks',
          }),
        ],
        right: [
          fn.metricDuration({ period: ALARM_PERIOD, statistic: 'p99', label: 'duration p99 (ms)' }),
          fn.metricDuration({ period: ALARM_PERIOD, statistic: 'Maximum', label: 'duration max (ms)' }),
        ],
        rightAnnotations: [{ value: timeoutMs, label: 'timeout' }],
        ...wide,
      }),
    );
  }

  /** The console URL of the dashboard. */
  get dashboardUrl(): string {
    return `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards/dashboard/${this.dashboard.dashboardName}`;
  }
}
