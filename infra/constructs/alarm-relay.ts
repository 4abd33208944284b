import { Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { LambdaAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { DestinationConfig, IDestination, IFunction } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { MetricsIdentity } from '../telemetry.js';
import { createAppFunction, terminalQueue, type LogLevel } from './function-defaults.js';

export interface AlarmRelayProps {
  /** POWERTOOLS_LOG_LEVEL. @default 'INFO' */
  readonly logLevel?: LogLevel;
  /** How long the function's logs are kept. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** What happens to the function's log group when it leaves the stack. @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** Namespace and service of the function's (Powertools) settings. @default DEFAULT_METRICS_IDENTITY */
  readonly metricsIdentity?: MetricsIdentity;
}

/**
 * An SQS on-failure destination granting `sqs:SendMessage` only: the stock `SqsDestination`
 * grants `grantSendMessages` (also GetQueueAttributes and GetQueueUrl), which Lambda does not use
 * to deliver an invocation record.
 */
class SendOnlyQueueDestination implements IDestination {
  constructor(private readonly queue: IQueue) {}

  bind(_scope: Construct, fn: IFunction): DestinationConfig {
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }),
    );
    return { destination: this.queue.queueArn };
  }
}

/**
 * The alarm relay (`functions/alarm-relay/handler.ts`): the function every alarm of the stack
 * invokes as its alarm and OK action (`action`), which publishes a readable message to the
 * operator topic. It exists so the topics can use the free AWS managed SNS key: CloudWatch
 * cannot publish to a topic that key encrypts.
 *
 * Nothing is lost when a relay fails: CloudWatch invokes it asynchronously, Lambda retries a
 * failed invocation twice (about one, then two minutes later; one it could not run, e.g.
 * throttled, for up to six hours), and then puts the record (the alarm event and the error) in
 * `failedQueue`, which `failuresAlarm` watches. Its publish grant and OPERATOR_TOPIC_ARN
 * come from `Notifications.grantOperatorPublish`.
 */
export class AlarmRelay extends Construct {
  readonly function: NodejsFunction;
  /** Invocations Lambda gave up on after its retries, kept 14 days. */
  readonly failedQueue: Queue;
  /** The alarm and OK action of every alarm (the invoke permission is added per alarm, for that alarm only). */
  readonly action: LambdaAction;
  /** Fires when an alarm notification ended in `failedQueue` (its own notification goes through the relay too). */
  readonly failuresAlarm: Alarm;

  constructor(scope: Construct, id: string, props: AlarmRelayProps = {}) {
    super(scope, id);
    this.failedQueue = this.createFailedQueue();
    this.function = createAppFunction(this, 'Function', {
      entry: 'functions/alarm-relay/handler.ts',
      description: 'enrich-job-watch: relays CloudWatch alarm state changes to the operator topic',
      // Retries and event age: the app defaults (2 retries; six hours for an invocation not yet run).
      onFailure: new SendOnlyQueueDestination(this.failedQueue),
      metricsIdentity: props.metricsIdentity,
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
    });
    // `LambdaAction` adds one permission per alarm: principal lambda.alarms.cloudwatch.amazonaws.com,
    // SourceAccount this account, SourceArn that alarm's ARN.
    this.action = new LambdaAction(this.function);
    this.failuresAlarm = this.createFailuresAlarm();
  }

  private createFailedQueue(): Queue {
    return terminalQueue(
      this,
      'FailedQueue',
      "This queue is itself where failures end: the alarm relay function's asynchronous on-failure destination (Lambda is not an SQS redrive source, which is what the rule looks for).",
    );
  }

  private createFailuresAlarm(): Alarm {
    const alarm = new Alarm(this, 'FailuresAlarm', {
      alarmName: `${Stack.of(this).stackName}-AlarmRelayFailures`,
      alarmDescription:
        "An alarm notification did not reach the operator topic after Lambda's retries (messages visible >= 1 in the alarm relay's failed queue): SNS refused or did not answer for hours, the topic or the relay's role changed, or an event the relay could not read. Read each message (requestPayload: the alarm event; responsePayload: the error) and the relay's log group, fix, then purge the queue. The alarms' current states are on the dashboard.",
      metric: this.failedQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    return alarm;
  }
}
