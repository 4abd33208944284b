import { Aws, Stack, type Duration } from 'aws-cdk-lib';
import { Alarm, type Dashboard, type IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { MetricsIdentity } from '../telemetry.js';
import { SavedLogQueries, type QueryLogGroups } from './log-queries.js';
import { createOperationsDashboard } from './operations-dashboard.js';
import {
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
  /** The functions' log groups, which the saved Logs Insights queries read. */
  readonly logGroups: QueryLogGroups;
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
  /**
   * Whether to create the CloudWatch dashboard ($3 a month): the alarms, their metrics, the
   * Lambda and API Gateway metrics and the saved queries as Logs Insights widgets.
   * @default false
   */
  readonly dashboard?: boolean;
}

/**
 * The alarms an operator needs (each with its alarm and OK actions on the alarm relay), the
 * saved Logs Insights queries of what the functions did, and, if asked for, a dashboard.
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
  /** Only when `dashboard` is set. */
  readonly dashboard?: Dashboard;
  /** The saved Logs Insights queries (always: they cost nothing until run). */
  readonly queries: SavedLogQueries;
  /** Minutes without a completed tick before the heartbeat alarm fires. */
  readonly heartbeatMinutes: number;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const { pollFunction: fn, metricsIdentity: identity } = props;
    this.heartbeatMinutes = heartbeatWindowMinutes(props.pollInterval, props.heartbeatWindow);
    const action = props.alarmAction;
    const alarm = (definition: AlarmDefinition): Alarm => this.operatorAlarm(definition, action);
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
      heartbeat: alarm(heartbeatAlarm(fn, this.heartbeatMinutes)),
      apiServerErrors: alarm(apiServerErrorsAlarm(props.httpApi)),
      webhookErrors: alarm(webhookErrorsAlarm(props.webhookFunction)),
    };
    this.queries = new SavedLogQueries(this, 'Queries', {
      prefix: Stack.of(this).stackName,
      logGroups: props.logGroups,
    });
    if (props.dashboard === true) {
      this.dashboard = createOperationsDashboard(this, 'Dashboard', {
        ...props,
        alarms: Object.values(this.alarms),
      });
    }
  }

  /** The console URL of the dashboard, if there is one. */
  get dashboardUrl(): string | undefined {
    if (!this.dashboard) return undefined;
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
}
