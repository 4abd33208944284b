import type { RenderedNotification } from '../../domain/notification.js';
import type { NotificationChannel } from '../../domain/notification-channel.js';
import type { Notifier } from '../../ports.js';

/** What publishing one notification to every channel achieved. */
export interface ChannelOutcome {
  /** Every channel that now has the notification, including those that had it before. */
  delivered: NotificationChannel[];
  messageIds: Partial<Record<NotificationChannel, string>>;
  failures: { channel: NotificationChannel; error: unknown }[];
}

/**
 * Publishes to every channel that does not have the notification yet, in parallel. Never throws:
 * a channel's failure is in the outcome, so the caller can record what did go out.
 */
export async function publishToChannels(
  notifier: Notifier,
  notification: RenderedNotification,
  alreadyDelivered: readonly NotificationChannel[],
): Promise<ChannelOutcome> {
  const pending = notifier.channels.filter((channel) => !alreadyDelivered.includes(channel));
  const results = await Promise.allSettled(pending.map((channel) => notifier.publish(notification, channel)));
  const outcome: ChannelOutcome = { delivered: [...alreadyDelivered], messageIds: {}, failures: [] };
  results.forEach((result, index) => {
    const channel = pending[index];
    if (channel === undefined) return;
    if (result.status === 'fulfilled') {
      outcome.delivered.push(channel);
      outcome.messageIds[channel] = result.value.messageId;
    } else {
      outcome.failures.push({ channel, error: result.reason });
    }
  });
  return outcome;
}
