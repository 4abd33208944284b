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
};

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line ? `    ${line}` : ''))
    .join('\n');
}

/**
 * One channel's form of a notification, headed by what it is, e.g.
 * "── NOTIFICATION job.completed · email ──" followed by subject and body.
 */
export function formatNotification(notification: RenderedNotification, channel: NotificationChannel): string {
  const heading = `── NOTIFICATION ${notification.eventType} · ${CHANNEL_NAMES[channel]} `;
  const lines = [heading.padEnd(72, '─')];
  switch (channel) {
    case 'email':
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

/** Prints every channel's form of each notification to the terminal (the local run's "subscribers"). */
export class ConsoleNotifier implements Notifier {
  // People read the email first; the JSON event is for automation.
  readonly channels: readonly NotificationChannel[] = [
    NotificationChannel.Email,
    NotificationChannel.Sms,
    NotificationChannel.Events,
  ];

  constructor(private readonly write: (text: string) => void) {}

  publish(notification: RenderedNotification, channel: NotificationChannel): Promise<{ messageId: string }> {
    this.write(formatNotification(notification, channel));
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
