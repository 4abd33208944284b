import { PublishCommand, type MessageAttributeValue, type SNSClient } from '@aws-sdk/client-sns';
import type { RenderedNotification } from '../domain/notification.js';
import type { Audience, Notifier } from '../ports.js';

/**
 * The SNS `MessageStructure=json` payload: one message per protocol, so an email subscriber
 * reads prose, an SMS subscriber one short text, and automation the versioned JSON document.
 * See docs/NOTIFICATIONS.md for why this is one topic with attribute-scoped filter policies.
 */
export function snsMessageFor(notification: RenderedNotification): string {
  const document = JSON.stringify(notification.document);
  return JSON.stringify({
    default: document,
    email: notification.text,
    'email-json': document,
    sms: notification.sms,
    sqs: document,
    lambda: document,
    http: document,
    https: document,
    firehose: document,
  });
}

/** String message attributes: what subscription filter policies (`event_type`, `status`, `job_id`) match. */
export function snsAttributesFor(notification: RenderedNotification): Record<string, MessageAttributeValue> {
  return Object.fromEntries(
    Object.entries(notification.attributes).map(([name, value]) => [
      name,
      { DataType: 'String', StringValue: value },
    ]),
  );
}

/** Publishes rendered notifications to SNS: job events to one topic, operator alerts to another (or the same). */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly client: SNSClient,
    private readonly topics: Record<Audience, string>,
  ) {}

  async publish(notification: RenderedNotification, audience: Audience): Promise<{ messageId: string }> {
    const { MessageId } = await this.client.send(
      new PublishCommand({
        TopicArn: this.topics[audience],
        Subject: notification.subject,
        Message: snsMessageFor(notification),
        MessageStructure: 'json',
        MessageAttributes: snsAttributesFor(notification),
      }),
    );
    return { messageId: MessageId ?? '' };
  }
}
