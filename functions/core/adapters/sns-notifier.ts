import { PublishCommand, type MessageAttributeValue, type SNSClient } from '@aws-sdk/client-sns';
import type { RenderedNotification } from '../domain/notification.js';
import type { NotificationChannel } from '../domain/notification-channel.js';
import type { CallOptions, Notifier } from '../ports.js';
import { asAwsCallError, sendOptions } from './aws-call.js';

/**
 * The message body for a channel: the JSON event, the readable text (email, and the operator
 * topic, whose subscribers are email addresses too), or the SMS text.
 */
export function messageFor(notification: RenderedNotification, channel: NotificationChannel): string {
  switch (channel) {
    case 'events':
      return JSON.stringify(notification.document);
    case 'email':
    case 'operator':
      return notification.text;
    case 'sms':
      return notification.sms;
  }
}

/**
 * String message attributes: what subscription filter policies (`event_type`, `status`,
 * `job_id`) match. Three, well under the ten an SQS raw-delivery subscription accepts.
 */
export function snsAttributesFor(notification: RenderedNotification): Record<string, MessageAttributeValue> {
  return Object.fromEntries(
    Object.entries(notification.attributes).map(([name, value]) => [
      name,
      { DataType: 'String', StringValue: value },
    ]),
  );
}

/**
 * Publishes each channel's form of a notification to that channel's topic as a plain String
 * message with attributes: the only shape in which SNS delivers attributes, so filter policies
 * hold on AWS (see docs/NOTIFICATIONS.md).
 */
export class SnsNotifier implements Notifier {
  readonly channels: readonly NotificationChannel[];

  constructor(
    private readonly client: SNSClient,
    private readonly topics: Partial<Record<NotificationChannel, string>>,
  ) {
    this.channels = (Object.keys(topics) as NotificationChannel[]).filter((channel) => topics[channel]);
  }

  /** @throws AwsCallError when SNS did not answer in time or `options.signal` aborted the call. */
  async publish(
    notification: RenderedNotification,
    channel: NotificationChannel,
    options?: CallOptions,
  ): Promise<{ messageId: string }> {
    const topicArn = this.topics[channel];
    if (!topicArn) throw new TypeError(`No topic is configured for the ${channel} channel`);
    const command = new PublishCommand({
      TopicArn: topicArn,
      Message: messageFor(notification, channel),
      // SMS ignores a subject; email shows it; the JSON envelope of other protocols carries it.
      ...(channel === 'sms' ? {} : { Subject: notification.subject }),
      MessageAttributes: snsAttributesFor(notification),
    });
    try {
      const { MessageId } = await this.client.send(command, sendOptions(options));
      return { messageId: MessageId ?? '' };
    } catch (error) {
      throw asAwsCallError('SNS', error, options?.signal);
    }
  }
}
