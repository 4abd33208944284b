/**
 * Notifiers for a terminal: show each notification as its subscribers receive it (the email,
 * the SMS, the JSON event), and combine that with SNS when topics are configured.
 */
import { randomUUID } from 'node:crypto';
import type { RenderedNotification } from '../functions/core/domain/notification.js';
import { NotificationChannel } from '../functions/core/domain/notification-channel.js';
import type { Notifier } from '../functions/core/ports.js';

const CHANNEL_NAMES: Record<NotificationChannel, string> = {
  email: 'email',
  sms: 'SMS',
  events: 'JSON event',
  operator: 'operator email',
};

/** Who a console notifier stands in for: the job subscribers, or the operator. */
export type ConsoleAudience = 'jobs' | 'operator';

/** What each audience's messages are headed with, so an operator alert never reads like a job's. */
const HEADINGS: Record<ConsoleAudience, string> = { jobs: 'NOTIFICATION', operator: 'OPERATOR ALERT' };

/** The channels shown for each audience, people's first (the JSON event is for automation). */
const AUDIENCE_CHANNELS: Record<ConsoleAudience, readonly NotificationChannel[]> = {
  jobs: [NotificationChannel.Email, NotificationChannel.Sms, NotificationChannel.Events],
  operator: [NotificationChannel.Operator, NotificationChannel.Events],
};

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line ? `    ${line}` : ''))
    .join('\n');
}

/**
 * One channel's form of a notification, headed by what it is, e.g.
 * "── NOTIFICATION job.completed · email ──" or
 * "── OPERATOR ALERT watcher.unauthorized · operator email ──", followed by subject and body.
 */
export function formatNotification(
  notification: RenderedNotification,
  channel: NotificationChannel,
  audience: ConsoleAudience = 'jobs',
): string {
  const heading = `── ${HEADINGS[audience]} ${notification.eventType} · ${CHANNEL_NAMES[channel]} `;
  const lines = [heading.padEnd(72, '─')];
  switch (channel) {
    case 'email':
    case 'operator':
      lines.push(indent(`Subject: ${notification.subject}\n\n${notification.text}`));
      break;
    case 'sms':
      lines.push(indent(notification.sms));
      break;
    case 'events':
      lines.push(indent(JSON.stringify(notification.document)));
      break;
  }
  return lines.join('\n');
}

/**
 * Prints every channel's form of each notification to the terminal (the local run's
 * "subscribers"): the job subscribers' channels, or (`operator`) the operator alert channels,
 * labelled as operator alerts.
 */
export class ConsoleNotifier implements Notifier {
  readonly channels: readonly NotificationChannel[];

  constructor(
    private readonly write: (text: string) => void,
    private readonly audience: ConsoleAudience = 'jobs',
  ) {
    this.channels = AUDIENCE_CHANNELS[audience];
  }

  publish(notification: RenderedNotification, channel: NotificationChannel): Promise<{ messageId: string }> {
    this.write(formatNotification(notification, channel, this.audience));
    return Promise.resolve({ messageId: `console-${randomUUID()}` });
  }
}

/**
 * Delivers through `delivery` (SNS) on the channels it has topics for, and shows every channel on
 * the terminal. A channel shows only once delivered: when SNS fails, the error reaches the tick,
 * which keeps the notification owed and retries that channel later.
 */
export class DeliverAndShowNotifier implements Notifier {
  readonly channels: readonly NotificationChannel[];

  constructor(
    private readonly delivery: Notifier,
    private readonly display: Notifier,
  ) {
    this.channels = display.channels;
  }

  async publish(
    notification: RenderedNotification,
    channel: NotificationChannel,
  ): Promise<{ messageId: string }> {
    const receipt = this.delivery.channels.includes(channel)
      ? await this.delivery.publish(notification, channel)
      : null;
    const shown = await this.display.publish(notification, channel);
    return receipt ?? shown;
  }
}
