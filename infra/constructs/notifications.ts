import type { Grant } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { NotificationChannel } from '../../functions/core/domain/notification-channel.js';

/** The environment variable the function reads each channel's topic from. */
const TOPIC_VARIABLE: Record<NotificationChannel, string> = {
  events: 'EVENTS_TOPIC_ARN',
  email: 'EMAIL_TOPIC_ARN',
  sms: 'SMS_TOPIC_ARN',
};

const TOPIC_DISPLAY_NAME: Record<NotificationChannel, string> = {
  events: 'enrich-job-watch events (JSON)',
  email: 'enrich-job-watch',
  sms: 'EnrichWatch',
};

/**
 * One SNS topic per notification channel: JSON events for automation, email, SMS. One topic per
 * form (not one topic with MessageStructure=json) because SNS delivers message attributes only
 * with String messages, and attribute filter policies need them (docs/NOTIFICATIONS.md).
 */
export class Notifications extends Construct {
  readonly topics: Record<NotificationChannel, Topic>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const topic = (channel: NotificationChannel, constructId: string): Topic =>
      new Topic(this, constructId, { displayName: TOPIC_DISPLAY_NAME[channel], enforceSSL: true });
    this.topics = {
      events: topic('events', 'EventsTopic'),
      email: topic('email', 'EmailTopic'),
      sms: topic('sms', 'SmsTopic'),
    };
  }

  /** Sets EVENTS_TOPIC_ARN, EMAIL_TOPIC_ARN and SMS_TOPIC_ARN on `fn` and lets it publish to exactly those topics. */
  grantPublish(fn: LambdaFunction): Grant[] {
    return (Object.entries(this.topics) as [NotificationChannel, Topic][]).map(([channel, topic]) => {
      fn.addEnvironment(TOPIC_VARIABLE[channel], topic.topicArn);
      return topic.grantPublish(fn);
    });
  }
}
