import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ENVIRONMENT } from '../functions/contract.js';
import { AlarmRelay } from './constructs/alarm-relay.js';
import { ApiKeySecret, type ExistingApiKeySecret } from './constructs/api-key-secret.js';
import type { LogLevel } from './constructs/function-defaults.js';
import { JOB_ACCESS, JobStore } from './constructs/job-store.js';
import { DEFAULT_API_THROTTLE, JobsHttpApi, type RouteThrottle } from './constructs/jobs-http-api.js';
import { Notifications } from './constructs/notifications.js';
import { Operations } from './constructs/operations.js';
import { ScheduledPoller } from './constructs/scheduled-poller.js';
import { WebhookSecret } from './constructs/webhook-secret.js';
import type { NotificationSubscription } from './subscriptions.js';
import { DEFAULT_METRICS_IDENTITY, type MetricsIdentity } from './telemetry.js';

export interface EnrichJobWatchStackProps extends StackProps {
  /**
   * What happens to the stateful resources (jobs table, created secrets, log groups) when they
   * leave the stack. `DESTROY` suits short-lived test stacks.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * DynamoDB deletion protection on the jobs table.
   * @default true, or false when `removalPolicy` is DESTROY
   */
  readonly deletionProtection?: boolean;
  /**
   * How long finished jobs stay in the table (whole days; TTL on `expires_at`, JOB_RETENTION_DAYS
   * for the function; 0 keeps them forever).
   * @default Duration.days(90)
   */
  readonly jobRetention?: Duration;
  /** How often the poller runs (whole minutes, up to a day). @default Duration.minutes(1) */
  readonly pollInterval?: Duration;
  /** The longest a tick may run; shorter than `pollInterval`, at most 15 minutes. @default Duration.seconds(50) */
  readonly pollTimeout?: Duration;
  /**
   * Concurrent executions reserved for the poll function; `'none'` reserves nothing. Reserving
   * needs unreserved headroom: the account's unreserved concurrency must stay at 10 or more.
   * @default 1
   */
  readonly reservedConcurrency?: number | 'none';
  /**
   * The poll function's memory in MB, and with it its CPU: see `ScheduledPollerProps.memorySize`
   * (about 3,000 checks per 50-second tick at 256 MB; 1,536 MB for 10,000 due at once).
   * @default 256
   */
  readonly pollMemorySize?: number;
  /** How long the functions' logs and the API access logs are kept. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** POWERTOOLS_LOG_LEVEL of the functions. @default 'INFO' */
  readonly logLevel?: LogLevel;
  /**
   * POWERTOOLS_SERVICE_NAME: the `service` dimension of the custom metrics, which the alarms and
   * the dashboard filter on. Give each stack in one account and region its own.
   * @default 'enrich-job-watch'
   */
  readonly serviceName?: string;
  /** Email and SMS subscribers with their filters (see `NotificationSubscription`). @default - none */
  readonly subscriptions?: readonly NotificationSubscription[];
  /** Email addresses subscribed to the operator topic (alarm and OK notifications). @default - none */
  readonly operatorEmails?: readonly string[];
  /** An existing secret holding the API key, by name or ARN. @default - the stack creates an empty secret */
  readonly apiKeySecret?: ExistingApiKeySecret;
  /**
   * How long without a completed tick before the heartbeat alarm fires (whole minutes, at least
   * two poll intervals, at most a day).
   * @default the longer of 10 minutes and three poll intervals
   */
  readonly heartbeatWindow?: Duration;
  /**
   * Steady-state requests per second each HTTP API route accepts (the stage's default route
   * throttling; over it, callers get 429). The webhook route has its own, lower limit.
   * @default 20
   */
  readonly apiRateLimit?: number;
  /** Requests each HTTP API route accepts at once above the steady rate. @default 40 */
  readonly apiBurstLimit?: number;
  /**
   * Whether the jobs table has the `by-status` index; `false` for the first of the two deploys
   * that upgrade a stack from before the listing indexes (see `JobStoreProps.statusIndex`).
   * @default true
   */
  readonly statusIndex?: boolean;
  /**
   * Whether the jobs table keeps the old `by-next-check` due index next to `by-watch-queue`;
   * `true` for the first of the two deploys that upgrade a stack from before `by-watch-queue`
   * (see `JobStoreProps.legacyDueIndex`).
   * @default false
   */
  readonly legacyDueIndex?: boolean;
  /**
   * Prefix of the CloudFormation export names (`<prefix>-EventsTopicArn`, ...).
   * @default the stack name
   */
  readonly exportPrefix?: string;
  /**
   * Whether to create the CloudWatch dashboard ($3 a month; the `DashboardUrl` output comes with
   * it). Without it the alarms still watch everything, and the saved Logs Insights queries show
   * what the functions did.
   * @default false
   */
  readonly dashboard?: boolean;
}

/** The CloudFormation export names of the topic ARNs, for stacks that subscribe queues or functions. */
export const TOPIC_EXPORTS = {
  events: 'EventsTopicArn',
  email: 'EmailTopicArn',
  sms: 'SmsTopicArn',
  operator: 'OperatorTopicArn',
} as const;

const SERVICE_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** Polls tracked CompanyEnrich bulk jobs on a schedule and notifies through SNS when they finish. */
export class EnrichJobWatchStack extends Stack {
  readonly jobStore: JobStore;
  readonly notifications: Notifications;
  readonly apiKey: ApiKeySecret;
  readonly poller: ScheduledPoller;
  readonly webhookSecret: WebhookSecret;
  readonly api: JobsHttpApi;
  readonly operations: Operations;
  /** Every alarm's alarm and OK action: publishes the state change to the operator topic. */
  readonly alarmRelay: AlarmRelay;
  readonly metricsIdentity: MetricsIdentity;

  constructor(scope: Construct, id: string, props: EnrichJobWatchStackProps = {}) {
    super(scope, id, {
      description:
        'enrich-job-watch: watches CompanyEnrich bulk jobs (schedule, HTTP API, webhook) and notifies through SNS',
      ...props,
    });
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    // One value for the function's POWERTOOLS_* variables and for every alarm and widget.
    this.metricsIdentity = metricsIdentityOf(props.serviceName);

    this.jobStore = new JobStore(this, 'JobStore', {
      removalPolicy,
      deletionProtection: props.deletionProtection ?? removalPolicy !== RemovalPolicy.DESTROY,
      jobRetention: props.jobRetention,
      statusIndex: props.statusIndex,
      legacyDueIndex: props.legacyDueIndex,
    });
    this.notifications = new Notifications(this, 'Notifications', {
      subscriptions: props.subscriptions,
      operatorEmails: props.operatorEmails,
    });
    this.apiKey = new ApiKeySecret(this, 'ApiKey', { existing: props.apiKeySecret, removalPolicy });
    this.poller = new ScheduledPoller(this, 'Poller', {
      interval: props.pollInterval,
      timeout: props.pollTimeout,
      reservedConcurrency: props.reservedConcurrency,
      memorySize: props.pollMemorySize,
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      logRemovalPolicy: removalPolicy,
      metricsIdentity: this.metricsIdentity,
    });

    const poll = this.poller.function;
    this.jobStore.grantJobAccess(poll, JOB_ACCESS.poll);
    this.notifications.grantPublish(poll);
    this.apiKey.grantRead(poll);

    this.webhookSecret = new WebhookSecret(this, 'WebhookSecret', { removalPolicy });
    this.api = new JobsHttpApi(this, 'Api', {
      throttle: apiThrottle(props),
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      logRemovalPolicy: removalPolicy,
      metricsIdentity: this.metricsIdentity,
    });
    this.grantApiFunctions();

    this.alarmRelay = this.createAlarmRelay(props, removalPolicy);
    this.operations = this.createOperations(props);

    this.exportTopicArns(props.exportPrefix ?? this.stackName);
    this.addOperatorOutputs();
  }

  /** The alarms, the saved log queries and (if asked for) the dashboard. */
  private createOperations(props: EnrichJobWatchStackProps): Operations {
    const poll = this.poller.function;
    return new Operations(this, 'Operations', {
      pollFunction: poll,
      pollTimeout: this.poller.timeout,
      pollInterval: this.poller.interval,
      deadLetterQueue: this.poller.deadLetterQueue,
      httpApi: this.api.httpApi,
      webhookFunction: this.api.webhookFunction,
      logGroups: {
        poll: poll.logGroup,
        api: this.api.apiFunction.logGroup,
        webhook: this.api.webhookFunction.logGroup,
      },
      alarmAction: this.alarmRelay.action,
      metricsIdentity: this.metricsIdentity,
      heartbeatWindow: props.heartbeatWindow,
      dashboard: props.dashboard,
    });
  }

  /**
   * The API function tracks, submits (with the API key, and a callback URL whose token needs the
   * webhook secret), reads and lists jobs; it publishes nothing. The webhook function checks
   * one job (API key, webhook secret to verify the token) and delivers the notification it may
   * owe, scheduling the next check on the poller's interval.
   */
  private grantApiFunctions(): void {
    const { apiFunction, webhookFunction } = this.api;
    this.jobStore.grantJobAccess(apiFunction, JOB_ACCESS.api);
    this.apiKey.grantRead(apiFunction);
    this.webhookSecret.grantRead(apiFunction);

    this.jobStore.grantJobAccess(webhookFunction, JOB_ACCESS.webhook);
    this.apiKey.grantRead(webhookFunction);
    this.webhookSecret.grantRead(webhookFunction);
    this.notifications.grantPublish(webhookFunction);
    webhookFunction.addEnvironment(
      ENVIRONMENT.pollIntervalSeconds,
      String(this.poller.interval.toSeconds({ integral: false })),
    );
  }

  /** The function every alarm invokes, allowed to publish to the operator topic only. */
  private createAlarmRelay(props: EnrichJobWatchStackProps, removalPolicy: RemovalPolicy): AlarmRelay {
    const relay = new AlarmRelay(this, 'AlarmRelay', {
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      logRemovalPolicy: removalPolicy,
      metricsIdentity: this.metricsIdentity,
    });
    this.notifications.grantOperatorPublish(relay.function);
    return relay;
  }

  /** The topic ARNs as CloudFormation exports, for stacks that subscribe queues or functions. */
  private exportTopicArns(exportPrefix: string): void {
    const topicOutput = (outputId: string, description: string, topicArn: string): void => {
      new CfnOutput(this, outputId, {
        description,
        value: topicArn,
        exportName: `${exportPrefix}-${outputId}`,
      });
    };
    topicOutput(
      TOPIC_EXPORTS.events,
      'Subscribe SQS, Lambda or HTTPS here for the versioned JSON job events',
      this.notifications.topics.events.topicArn,
    );
    topicOutput(
      TOPIC_EXPORTS.email,
      'Subscribe email addresses here for readable job notifications',
      this.notifications.topics.email.topicArn,
    );
    topicOutput(
      TOPIC_EXPORTS.sms,
      'Subscribe phone numbers here for one-line SMS notifications',
      this.notifications.topics.sms.topicArn,
    );
    topicOutput(
      TOPIC_EXPORTS.operator,
      'CloudWatch alarm and OK notifications for the operator',
      this.notifications.operatorTopic.topicArn,
    );
  }

  /** What the operator needs after a deploy: the table for the CLI, the dashboard (if any), storing the key. */
  private addOperatorOutputs(): void {
    new CfnOutput(this, 'JobsTableName', {
      description: 'JOBS_TABLE_NAME for the CLI (track, list)',
      value: this.jobStore.table.tableName,
    });
    const dashboardUrl = this.operations.dashboardUrl;
    if (dashboardUrl !== undefined) {
      new CfnOutput(this, 'DashboardUrl', {
        description: 'CloudWatch dashboard: alarms, their metrics, the functions and the saved log queries',
        value: dashboardUrl,
      });
    }
    new CfnOutput(this, 'ApiUrl', {
      description: 'The HTTP API: sign requests to the /jobs routes with SigV4 (execute-api:Invoke)',
      value: this.api.endpoint,
    });
    new CfnOutput(this, 'WebhookRoutePattern', {
      description:
        'The public callback route CompanyEnrich calls; the API function fills in the id it watches and its token',
      value: this.api.webhookUrlPattern,
    });
    new CfnOutput(this, 'WebhookSecretArn', {
      description: 'The key of the webhook tokens, generated at creation; rotate it by hand (docs/DEPLOY.md)',
      value: this.webhookSecret.secret.secretArn,
    });
    new CfnOutput(this, 'SetApiKeyCommand', {
      description:
        'Run once after the first deploy (and after rotating the key), then paste the CompanyEnrich API key',
      value: this.apiKey.putValueCommand,
    });
  }
}

/** The stack's rate and burst over the construct's defaults. */
function apiThrottle(props: EnrichJobWatchStackProps): RouteThrottle {
  return {
    rateLimit: props.apiRateLimit ?? DEFAULT_API_THROTTLE.rateLimit,
    burstLimit: props.apiBurstLimit ?? DEFAULT_API_THROTTLE.burstLimit,
  };
}

/** The default metrics identity with the stack's own service name, checked. */
function metricsIdentityOf(serviceName: string | undefined): MetricsIdentity {
  const service = serviceName ?? DEFAULT_METRICS_IDENTITY.service;
  if (!SERVICE_NAME.test(service)) {
    throw new Error(`serviceName must be 1-128 of A-Z a-z 0-9 _ . - (got ${JSON.stringify(service)})`);
  }
  return { ...DEFAULT_METRICS_IDENTITY, service };
}
