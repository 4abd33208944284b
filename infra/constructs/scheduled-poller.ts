import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke, type ScheduleTargetBaseProps } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENVIRONMENT } from '../../functions/contract.js';
import type { MetricsIdentity } from '../telemetry.js';
import { createAppFunction, terminalQueue, type LogLevel } from './function-defaults.js';

/** The shortest maximum event age EventBridge Scheduler and Lambda accept. */
export const MIN_EVENT_AGE = Duration.minutes(1);
/** Lambda's longest timeout. */
const MAX_TIMEOUT = Duration.minutes(15);
/** POLL_INTERVAL_SECONDS accepts up to a day (functions/core/config.ts). */
const MAX_INTERVAL = Duration.days(1);

export interface ScheduledPollerProps {
  /**
   * How often a tick runs (whole minutes, up to a day). The function gets the same value as
   * POLL_INTERVAL_SECONDS, so the watcher schedules its checks on the schedule's grid.
   * @default Duration.minutes(1)
   */
  readonly interval?: Duration;
  /** The longest a tick may run; shorter than `interval`, so ticks do not overlap. @default Duration.seconds(50) */
  readonly timeout?: Duration;
  /**
   * Concurrent executions reserved for (and capping) the poll function; 1 means a tick never
   * runs next to another. Reserving needs unreserved headroom: the account's unreserved
   * concurrency must stay at 10 or more after it, so an account with the default quota of 10
   * must raise the quota first, or pass `'none'` (then only the timeout keeps ticks apart).
   * @default 1
   */
  readonly reservedConcurrency?: number | 'none';
  /**
   * The poll function's memory in MB, which also sets its CPU (1,769 MB is one vCPU). A check costs
   * about 2 ms of CPU (SDK calls, HTTP, JSON), so 256 MB (about 0.15 vCPU) checks some 3,000 jobs
   * in a 50-second tick; a backlog of 10,000 jobs due at once needs about 1,536 MB to be checked in
   * one tick. A tick that cannot finish leaves the rest due for the next one, never lost.
   * @default 256
   */
  readonly memorySize?: number;
  /** POWERTOOLS_LOG_LEVEL. @default 'INFO' */
  readonly logLevel?: LogLevel;
  /** How long the function's logs are kept. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** What happens to the function's log group when it leaves the stack. @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** Namespace and service of the function's metrics. @default DEFAULT_METRICS_IDENTITY */
  readonly metricsIdentity?: MetricsIdentity;
}

/**
 * `LambdaInvoke` granting lambda:InvokeFunction on the function's own ARN only. The stock
 * target uses `grantInvoke`, which adds `<function ARN>:*` (every version and alias) although
 * the schedule invokes the unqualified function.
 */
class UnqualifiedLambdaInvoke extends LambdaInvoke {
  private readonly target: IFunction;

  constructor(target: IFunction, props: ScheduleTargetBaseProps) {
    super(target, props);
    this.target = target;
  }

  protected override addTargetActionToRole(role: IRole): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.target.functionArn] }),
    );
  }
}

/**
 * The poll function (`functions/poll/handler.ts`) and the EventBridge Scheduler schedule that
 * runs one tick per interval, sending `{"time": <scheduled time>}`.
 *
 * A late tick is worth nothing (the next one is due a minute later), so neither Scheduler nor
 * Lambda's asynchronous queue keeps an invocation longer than a minute or retries it; what
 * Scheduler cannot deliver goes to the dead-letter queue.
 */
export class ScheduledPoller extends Construct {
  readonly function: NodejsFunction;
  readonly schedule: Schedule;
  /** Invocations Scheduler could not deliver (e.g. the function missing, or not invokable by its role). */
  readonly deadLetterQueue: Queue;
  readonly interval: Duration;
  readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: ScheduledPollerProps = {}) {
    super(scope, id);
    this.interval = props.interval ?? Duration.minutes(1);
    this.timeout = props.timeout ?? Duration.seconds(50);
    checkTiming(this.interval, this.timeout);
    const reserved = props.reservedConcurrency ?? 1;
    checkReservedConcurrency(reserved);

    this.function = createAppFunction(this, 'Function', {
      entry: 'functions/poll/handler.ts',
      description: 'enrich-job-watch: one poll tick of the tracked CompanyEnrich bulk jobs',
      timeout: this.timeout,
      // A failed or late tick is replaced by the next scheduled one; retrying it only adds ticks.
      retryAttempts: 0,
      maxEventAge: MIN_EVENT_AGE,
      reservedConcurrency: reserved === 'none' ? undefined : reserved,
      memorySize: props.memorySize,
      environment: {
        [ENVIRONMENT.pollIntervalSeconds]: String(this.interval.toSeconds({ integral: false })),
      },
      metricsIdentity: props.metricsIdentity,
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
    });
    this.deadLetterQueue = this.createDeadLetterQueue();
    this.schedule = new Schedule(this, 'Schedule', {
      description: 'enrich-job-watch poll tick',
      schedule: ScheduleExpression.rate(this.interval),
      target: new UnqualifiedLambdaInvoke(this.function, {
        input: ScheduleTargetInput.fromObject({ time: ContextAttribute.scheduledTime }),
        retryAttempts: 0,
        maxEventAge: MIN_EVENT_AGE,
        deadLetterQueue: this.deadLetterQueue,
      }),
    });
  }

  private createDeadLetterQueue(): Queue {
    return terminalQueue(
      this,
      'DeadLetterQueue',
      'This queue is itself a dead-letter queue: the EventBridge Scheduler target DeadLetterConfig of the poll schedule (Scheduler is not an SQS redrive source, which is what the rule looks for).',
    );
  }
}

/** Whole minutes from 1 minute to a day, whole seconds up to Lambda's maximum, and no overlap. */
function checkTiming(interval: Duration, timeout: Duration): void {
  const intervalSeconds = interval.toSeconds({ integral: false });
  const timeoutSeconds = timeout.toSeconds({ integral: false });
  if (
    !Number.isInteger(intervalSeconds / 60) ||
    intervalSeconds < 60 ||
    intervalSeconds > MAX_INTERVAL.toSeconds()
  ) {
    throw new Error(
      `ScheduledPoller: interval must be whole minutes from 1 minute to 1 day (got ${interval.toHumanString()})`,
    );
  }
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > MAX_TIMEOUT.toSeconds()) {
    throw new Error(
      `ScheduledPoller: timeout must be whole seconds from 1 to ${MAX_TIMEOUT.toSeconds()} (got ${timeout.toHumanString()})`,
    );
  }
  if (timeoutSeconds >= intervalSeconds) {
    throw new Error(
      `ScheduledPoller: timeout (${timeout.toHumanString()}) must be shorter than interval (${interval.toHumanString()})`,
    );
  }
}

function checkReservedConcurrency(reserved: number | 'none'): void {
  if (reserved !== 'none' && !(Number.isInteger(reserved) && reserved >= 1)) {
    throw new Error(
      `ScheduledPoller: reservedConcurrency must be a whole number >= 1 or 'none' (got ${String(reserved)})`,
    );
  }
}
