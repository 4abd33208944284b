/**
 * Notifications when the CLI works on a real table (JOBS_TABLE_NAME): published to SNS only.
 * Printing a notification is no delivery, so a channel without its topic variable is never
 * counted as delivered: its publish fails, the notification stays owed for that channel, and the
 * deployed function (which has every topic) sends it.
 */
import { ENVIRONMENT } from '../functions/contract.js';
import { WatcherError } from '../functions/core/domain/errors.js';
import type { RenderedNotification } from '../functions/core/domain/notification.js';
import type { NotificationChannel } from '../functions/core/domain/notification-channel.js';
import type { Notifier } from '../functions/core/ports.js';

/** The variable naming each channel's topic. */
export const TOPIC_VARIABLES: Record<NotificationChannel, string> = {
  events: ENVIRONMENT.eventsTopicArn,
  email: ENVIRONMENT.emailTopicArn,
  sms: ENVIRONMENT.smsTopicArn,
  operator: ENVIRONMENT.operatorTopicArn,
};

/** A channel has no topic here: the notification stays owed on it. */
export class ChannelNotConfiguredError extends WatcherError {
  override name = 'ChannelNotConfiguredError';

  constructor(readonly channel: NotificationChannel) {
    super(`${TOPIC_VARIABLES[channel]} is not set: the ${channel} notification stays owed`);
  }
}

/** The topic variables of the `owned` channels that are not `configured`, in the usual order. */
export function missingTopicVariables(
  owned: readonly NotificationChannel[],
  configured: readonly NotificationChannel[],
): string[] {
  return owned.filter((channel) => !configured.includes(channel)).map((channel) => TOPIC_VARIABLES[channel]);
}

/**
 * Publishes through `delivery` (SNS) and shows what went out on `display`; owns every channel,
 * so one without a topic is a failed publish (still owed), never a printed "delivery".
 */
export class ConfiguredTopicsNotifier implements Notifier {
  /**
   * @param channels Every channel this kind of notification goes to (job or alert channels).
   * @param delivery The SNS notifier of the topics that are set; null when none is.
   */
  constructor(
    readonly channels: readonly NotificationChannel[],
    private readonly delivery: Notifier | null,
    private readonly display: Notifier,
  ) {}

  async publish(
    notification: RenderedNotification,
    channel: NotificationChannel,
  ): Promise<{ messageId: string }> {
    if (!this.delivery?.channels.includes(channel)) throw new ChannelNotConfiguredError(channel);
    const receipt = await this.delivery.publish(notification, channel);
    await this.display.publish(notification, channel);
    return receipt;
  }
}
