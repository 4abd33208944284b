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
    return publishString(
      this.client,
      {
        TopicArn: topicArn,
        Message: messageFor(notification, channel),
        // SMS ignores a subject; email shows it; the JSON envelope of other protocols carries it.
        ...(channel === 'sms' ? {} : { Subject: notification.subject }),
        MessageAttributes: snsAttributesFor(notification),
      },
      options,
    );
  }
}

/** A subject and a readable body, for a topic whose subscribers read email. */
export interface TopicMessage {
  /** ASCII, one line, under 100 characters (SNS refuses the publish otherwise). */
  readonly subject: string;
  readonly text: string;
}

/**
 * Publishes readable messages to one topic: the alarm relay's way to the operator topic. The
 * same client and error mapping as {@link SnsNotifier}, without a notification's attributes.
 */
export class SnsTopicPublisher {
  constructor(
    private readonly client: SNSClient,
    readonly topicArn: string,
  ) {}

  /** @throws AwsCallError when SNS did not answer in time or `options.signal` aborted the call. */
  publish(message: TopicMessage, options?: CallOptions): Promise<{ messageId: string }> {
    return publishString(
      this.client,
      { TopicArn: this.topicArn, Subject: message.subject, Message: message.text },
      options,
    );
  }
}

/** One String publish; a timeout or an abort becomes an `AwsCallError`, anything else is rethrown as is. */
async function publishString(
  client: SNSClient,
  input: ConstructorParameters<typeof PublishCommand>[0],
  options: CallOptions | undefined,
): Promise<{ messageId: string }> {
  try {
    const { MessageId } = await client.send(new PublishCommand(input), sendOptions(options));
    return { messageId: MessageId ?? '' };
  } catch (error) {
    throw asAwsCallError('SNS', error, options?.signal);
  }
}
