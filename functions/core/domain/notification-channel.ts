/**
 * The forms a notification is delivered in, one SNS topic each.
 *
 * Why not one topic with `MessageStructure=json`: SNS sends message attributes only when the
 * message structure is String, not JSON, so attribute filter policies would stop matching on
 * AWS; and body-scoped filter policies need a JSON body, which an email or SMS body is not.
 * One topic per form, each publish a plain String with the same attributes, lets every
 * subscriber filter on `event_type`, `status` or `job_id`. See docs/NOTIFICATIONS.md.
 */
export const NotificationChannel = {
  /** The versioned JSON event, for SQS, Lambda, HTTPS, email-json and Firehose subscribers. */
  Events: 'events',
  /** Subject and a readable plain-text body, for email subscribers. */
  Email: 'email',
  /** One short ASCII text, for SMS subscribers. */
  Sms: 'sms',
  /**
   * Subject and a readable plain-text body, for the operator (the topic CloudWatch alarms
   * publish to): account-level alerts only, never a job's notification.
   */
  Operator: 'operator',
} as const;

export type NotificationChannel = (typeof NotificationChannel)[keyof typeof NotificationChannel];

export const ALL_CHANNELS: readonly NotificationChannel[] = Object.values(NotificationChannel);

/** Where a finished job's notification goes: the job subscribers' topics. */
export const JOB_CHANNELS = [
  NotificationChannel.Events,
  NotificationChannel.Email,
  NotificationChannel.Sms,
] as const satisfies readonly NotificationChannel[];

export type JobChannel = (typeof JOB_CHANNELS)[number];

/**
 * Where an account-level alert (incident opened or recovered) goes: the operator, and the events
 * topic for automation (its `event_type` is `watcher.*`). Never email or SMS: a customer who
 * subscribed to "my jobs finished" is not the one who fixes an API key.
 */
export const ALERT_CHANNELS = [
  NotificationChannel.Operator,
  NotificationChannel.Events,
] as const satisfies readonly NotificationChannel[];

export type AlertChannel = (typeof ALERT_CHANNELS)[number];

/** Narrows an untrusted value (a stored item) to a channel. */
export function isNotificationChannel(value: unknown): value is NotificationChannel {
  return typeof value === 'string' && (ALL_CHANNELS as readonly string[]).includes(value);
}
