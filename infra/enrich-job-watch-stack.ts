import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ApiKeySecret } from './constructs/api-key-secret.js';
import { JobStore } from './constructs/job-store.js';
import { Notifications } from './constructs/notifications.js';
import { ScheduledPoller } from './constructs/scheduled-poller.js';

export interface EnrichJobWatchStackProps extends StackProps {
  /**
   * What happens to the stateful resources (jobs table, API-key secret, log groups) when they
   * leave the stack. `DESTROY` suits short-lived test stacks.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /** How often the poller runs (whole minutes). @default Duration.minutes(1) */
  readonly pollInterval?: Duration;
}

/** Polls tracked CompanyEnrich bulk jobs on a schedule and notifies through SNS when they finish. */
export class EnrichJobWatchStack extends Stack {
  readonly jobStore: JobStore;
  readonly notifications: Notifications;
  readonly apiKey: ApiKeySecret;
  readonly poller: ScheduledPoller;

  constructor(scope: Construct, id: string, props: EnrichJobWatchStackProps = {}) {
    super(scope, id, {
      description: 'enrich-job-watch: polls CompanyEnrich bulk jobs and notifies through SNS',
      ...props,
    });
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.jobStore = new JobStore(this, 'JobStore', { removalPolicy });
    this.notifications = new Notifications(this, 'Notifications');
    this.apiKey = new ApiKeySecret(this, 'ApiKey', { removalPolicy });
    this.poller = new ScheduledPoller(this, 'Poller', {
      interval: props.pollInterval ?? Duration.minutes(1),
      logRemovalPolicy: removalPolicy,
    });

    const poll = this.poller.function;
    this.jobStore.grantReadWrite(poll);
    this.notifications.grantPublish(poll);
    this.apiKey.grantRead(poll);

    new CfnOutput(this, 'JobsTableName', {
      description: 'JOBS_TABLE_NAME for the CLI (track, list)',
      value: this.jobStore.table.tableName,
    });
    new CfnOutput(this, 'EventsTopicArn', {
      description: 'Subscribe SQS, Lambda or HTTPS here for the versioned JSON job events',
      value: this.notifications.topics.events.topicArn,
    });
    new CfnOutput(this, 'EmailTopicArn', {
      description: 'Subscribe email addresses here for readable job notifications',
      value: this.notifications.topics.email.topicArn,
    });
    new CfnOutput(this, 'SmsTopicArn', {
      description: 'Subscribe phone numbers here for one-line SMS notifications',
      value: this.notifications.topics.sms.topicArn,
    });
    new CfnOutput(this, 'SetApiKeyCommand', {
      description: 'Run once after the first deploy, then paste the CompanyEnrich API key',
      value: this.apiKey.putValueCommand,
    });
  }
}
