import { createHash } from 'node:crypto';
import { ArnFormat, Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Subscription, SubscriptionFilter, SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ENVIRONMENT, type JobChannel, type NotificationChannel } from '../../functions/contract.js';
import {
  parseOperatorEmails,
  parseSubscriptions,
  type NotificationFilter,
  type NotificationSubscription,
} from '../subscriptions.js';

/** The environment variable the function reads each channel's topic from. */
export const TOPIC_VARIABLE: Record<NotificationChannel, string> = {
  events: ENVIRONMENT.eventsTopicArn,
  email: ENVIRONMENT.emailTopicArn,
  sms: ENVIRONMENT.smsTopicArn,
  operator: ENVIRONMENT.operatorTopicArn,
};

const TOPIC_DISPLAY_NAME: Record<JobChannel, string> = {
  events: 'enrich-job-watch events (JSON)',
  email: 'enrich-job-watch',
  sms: 'EnrichWatch',
};

/** What publishing to a topic encrypted with a customer managed key needs from the key (SNS SSE). */
export const PUBLISH_KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'];

export interface NotificationsProps {
  /**
   * Email and SMS subscribers, each with an optional filter (docs/NOTIFICATIONS.md). Emails go on
   * the email topic, phone numbers on the SMS topic. Checked at synth: a bad entry fails it, named.
   * @default - none (subscribe outside the stack, e.g. SQS on the events topic)
   */
  readonly subscriptions?: readonly NotificationSubscription[];
  /** Email addresses subscribed, unfiltered, to the operator topic (CloudWatch alarms). @default - none */
  readonly operatorEmails?: readonly string[];
  /**
   * What happens to the topics' KMS key when it leaves the stack. A deleted key cannot decrypt
   * anything again, so keep RETAIN unless the stack is disposable.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * One SNS topic per notification channel (JSON events for automation, email, SMS) plus the
 * operator topic CloudWatch alarms publish to; all four encrypted with one customer managed key
 * (rotation on) and refusing requests that are not over TLS.
 *
 * One topic per form (not one topic with MessageStructure=json) because SNS delivers message
 * attributes only with String messages, and attribute filter policies need them
 * (docs/NOTIFICATIONS.md).
 */
export class Notifications extends Construct {
  readonly key: Key;
  readonly topics: Record<JobChannel, Topic>;
  /**
   * Alarm and OK actions of the stack's alarms, and the functions' account-level alerts
   * (incident opened or recovered): what the operator acts on.
   */
  readonly operatorTopic: Topic;

  constructor(scope: Construct, id: string, props: NotificationsProps = {}) {
    super(scope, id);
    const subscriptions = parseSubscriptions(props.subscriptions);
    const operatorEmails = parseOperatorEmails(props.operatorEmails);

    this.key = this.createKey(props.removalPolicy ?? RemovalPolicy.RETAIN);
    this.topics = {
      events: this.createTopic('EventsTopic', TOPIC_DISPLAY_NAME.events),
      email: this.createTopic('EmailTopic', TOPIC_DISPLAY_NAME.email),
      sms: this.createTopic('SmsTopic', TOPIC_DISPLAY_NAME.sms),
    };
    this.operatorTopic = this.createOperatorTopic();
    this.subscribe(subscriptions, operatorEmails);
  }

  /** The topics' key, which CloudWatch alarms of this account may use to publish. */
  private createKey(removalPolicy: RemovalPolicy): Key {
    const key = new Key(this, 'Key', {
      description: 'enrich-job-watch: encrypts the notification and operator SNS topics',
      enableKeyRotation: true,
      removalPolicy,
    });
    // CloudWatch publishes alarm notifications as itself, so the key policy (not an IAM policy)
    // must let it use the key; only for alarms of this account.
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccountToPublishToEncryptedTopics',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: PUBLISH_KEY_ACTIONS,
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    return key;
  }

  private createTopic(constructId: string, displayName: string): Topic {
    return new Topic(this, constructId, { displayName, masterKey: this.key, enforceSSL: true });
  }

  /**
   * The topic this account's CloudWatch alarms publish to (its resource policy), and the
   * functions granted `grantPublish` (their role policies).
   */
  private createOperatorTopic(): Topic {
    const topic = this.createTopic('OperatorTopic', 'enrich-job-watch alarms');
    topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: {
            'aws:SourceArn': Stack.of(this).formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    return topic;
  }

  /** Emails on the email topic and phone numbers on the SMS topic, filtered; operators unfiltered. */
  private subscribe(
    subscriptions: readonly NotificationSubscription[],
    operatorEmails: readonly string[],
  ): void {
    for (const subscription of subscriptions) {
      const [kind, protocol, endpoint, target] =
        'email' in subscription
          ? (['Email', SubscriptionProtocol.EMAIL, subscription.email, this.topics.email] as const)
          : (['Sms', SubscriptionProtocol.SMS, subscription.sms, this.topics.sms] as const);
      new Subscription(this, subscriptionId(kind, endpoint), {
        topic: target,
        protocol,
        endpoint,
        filterPolicy: filterPolicy(subscription),
      });
    }
    for (const email of operatorEmails) {
      new Subscription(this, subscriptionId('OperatorEmail', email), {
        topic: this.operatorTopic,
        protocol: SubscriptionProtocol.EMAIL,
        endpoint: email,
      });
    }
  }

  /**
   * Sets EVENTS_TOPIC_ARN, EMAIL_TOPIC_ARN, SMS_TOPIC_ARN and OPERATOR_TOPIC_ARN on `fn` and lets
   * it publish to exactly those four topics, with the key permissions that needs: job
   * notifications go to the first three, account-level alerts to the operator and events topics.
   * Each variable is set where its grant is, so a function never has one without the other.
   */
  grantPublish(fn: LambdaFunction): void {
    const channelTopics = Object.entries(this.topics) as [JobChannel, Topic][];
    for (const [channel, topic] of channelTopics) fn.addEnvironment(TOPIC_VARIABLE[channel], topic.topicArn);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['sns:Publish'],
        resources: channelTopics.map(([, topic]) => topic.topicArn),
      }),
    );
    fn.addEnvironment(TOPIC_VARIABLE.operator, this.operatorTopic.topicArn);
    // The L2 grant without its key actions: `grants.publish` would add kms:GenerateDataKey*, a
    // wildcard; the key statement below (the same key for all four topics) is exact.
    this.operatorTopic.grants.actions(fn, ['sns:Publish']);
    fn.addToRolePolicy(new PolicyStatement({ actions: PUBLISH_KEY_ACTIONS, resources: [this.key.keyArn] }));
  }
}

/**
 * A construct id that stays with the address: reordering the list neither replaces a
 * subscription (which would send a new confirmation) nor puts the address in the id.
 */
function subscriptionId(kind: 'Email' | 'Sms' | 'OperatorEmail', endpoint: string): string {
  const digest = createHash('sha256').update(`${kind}:${endpoint.toLowerCase()}`).digest('hex').slice(0, 12);
  return `${kind}Subscription${digest}`;
}

/** The filter policy on the message attributes `event_type`, `status` and `job_id`. */
export function filterPolicy(filter: NotificationFilter): Record<string, SubscriptionFilter> | undefined {
  const policy: Record<string, SubscriptionFilter> = {};
  if (filter.eventTypes)
    policy.event_type = SubscriptionFilter.stringFilter({ allowlist: [...filter.eventTypes] });
  if (filter.statuses) policy.status = SubscriptionFilter.stringFilter({ allowlist: [...filter.statuses] });
  if (filter.jobIds) policy.job_id = SubscriptionFilter.stringFilter({ allowlist: [...filter.jobIds] });
  return Object.keys(policy).length > 0 ? policy : undefined;
}
