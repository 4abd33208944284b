import { createHash } from 'node:crypto';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Alias, type IAlias } from 'aws-cdk-lib/aws-kms';
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

/**
 * The AWS managed key of SNS. Free, where a customer managed key costs $1 a month; its key policy
 * lets the account's principals use it through SNS, so a publisher's role needs no KMS grant.
 * CloudWatch alarms cannot publish to a topic it encrypts (they publish as the CloudWatch service,
 * which that policy does not admit): they reach the operator topic through the alarm relay.
 */
export const SNS_MANAGED_KEY_ALIAS = 'alias/aws/sns';

export interface NotificationsProps {
  /**
   * Email and SMS subscribers, each with an optional filter (docs/NOTIFICATIONS.md). Emails go on
   * the email topic, phone numbers on the SMS topic. Checked at synth: a bad entry fails it, named.
   * @default - none (subscribe outside the stack, e.g. SQS on the events topic)
   */
  readonly subscriptions?: readonly NotificationSubscription[];
  /** Email addresses subscribed, unfiltered, to the operator topic (CloudWatch alarms). @default - none */
  readonly operatorEmails?: readonly string[];
}

/**
 * One SNS topic per notification channel (JSON events for automation, email, SMS) plus the
 * operator topic (alarms, through the alarm relay, and account-level alerts); all four encrypted
 * with the AWS managed key `alias/aws/sns` and refusing requests that are not over TLS.
 *
 * One topic per form (not one topic with MessageStructure=json) because SNS delivers message
 * attributes only with String messages, and attribute filter policies need them
 * (docs/NOTIFICATIONS.md).
 */
export class Notifications extends Construct {
  /** The AWS managed key of SNS, which encrypts the four topics. */
  readonly key: IAlias;
  readonly topics: Record<JobChannel, Topic>;
  /**
   * Alarm and OK notifications of the stack's alarms (through the alarm relay), and the
   * functions' account-level alerts (incident opened or recovered): what the operator acts on.
   */
  readonly operatorTopic: Topic;

  constructor(scope: Construct, id: string, props: NotificationsProps = {}) {
    super(scope, id);
    const subscriptions = parseSubscriptions(props.subscriptions);
    const operatorEmails = parseOperatorEmails(props.operatorEmails);

    this.key = Alias.fromAliasName(this, 'SnsManagedKey', SNS_MANAGED_KEY_ALIAS);
    this.topics = {
      events: this.createTopic('EventsTopic', TOPIC_DISPLAY_NAME.events),
      email: this.createTopic('EmailTopic', TOPIC_DISPLAY_NAME.email),
      sms: this.createTopic('SmsTopic', TOPIC_DISPLAY_NAME.sms),
    };
    this.operatorTopic = this.createOperatorTopic();
    this.subscribe(subscriptions, operatorEmails);
  }

  private createTopic(constructId: string, displayName: string): Topic {
    return new Topic(this, constructId, { displayName, masterKey: this.key, enforceSSL: true });
  }

  /**
   * Alarm state changes (published by the alarm relay) and the functions' account-level alerts:
   * what the operator acts on. Publishers are granted by role: `grantPublish`, `grantOperatorPublish`.
   */
  private createOperatorTopic(): Topic {
    return this.createTopic('OperatorTopic', 'enrich-job-watch alarms');
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
   * it publish to exactly those four topics: job notifications go to the first three, account-level
   * alerts to the operator and events topics. Each variable is set where its grant is, so a
   * function never has one without the other. No KMS statement: the topics' AWS managed key
   * admits the account's principals through SNS by its own key policy.
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
    this.grantOperatorPublish(fn);
  }

  /**
   * Sets OPERATOR_TOPIC_ARN on `fn` and lets it publish to the operator topic only: the alarm
   * relay's grant, and part of `grantPublish`.
   */
  grantOperatorPublish(fn: LambdaFunction): void {
    fn.addEnvironment(TOPIC_VARIABLE.operator, this.operatorTopic.topicArn);
    // `grants.actions`, not `grants.publish`: the action alone, nothing on the key.
    this.operatorTopic.grants.actions(fn, ['sns:Publish']);
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
