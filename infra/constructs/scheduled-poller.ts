import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { createAppFunction } from './function-defaults.js';

export interface ScheduledPollerProps {
  /**
   * How often a tick runs (whole minutes). The function gets the same value as
   * POLL_INTERVAL_SECONDS, so the watcher schedules its checks on the rule's grid.
   * @default Duration.minutes(1)
   */
  readonly interval?: Duration;
  /** The longest a tick may run; shorter than `interval`, so ticks do not overlap. @default Duration.seconds(50) */
  readonly timeout?: Duration;
  /** What happens to the function's log group when it leaves the stack. @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** The poll function (`functions/poll/handler.ts`) and the EventBridge rule that runs one tick per interval. */
export class ScheduledPoller extends Construct {
  readonly function: NodejsFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: ScheduledPollerProps = {}) {
    super(scope, id);
    const interval = props.interval ?? Duration.minutes(1);
    const timeout = props.timeout ?? Duration.seconds(50);
    if (timeout.toSeconds() >= interval.toSeconds()) {
      throw new Error(
        `ScheduledPoller: timeout (${timeout.toHumanString()}) must be shorter than interval (${interval.toHumanString()})`,
      );
    }
    this.function = createAppFunction(this, 'Function', {
      entry: 'functions/poll/handler.ts',
      description: 'enrich-job-watch: one poll tick of the tracked CompanyEnrich bulk jobs',
      timeout,
      // A failed tick is retried by the next scheduled one; Lambda's own retries would only add ticks.
      retryAttempts: 0,
      environment: { POLL_INTERVAL_SECONDS: String(interval.toSeconds()) },
      logRemovalPolicy: props.logRemovalPolicy,
    });
    this.rule = new Rule(this, 'Schedule', {
      description: 'enrich-job-watch poll tick',
      schedule: Schedule.rate(interval),
      targets: [new LambdaFunction(this.function)],
    });
  }
}
