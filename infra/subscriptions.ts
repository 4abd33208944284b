import { z } from 'zod';
import {
  EventType,
  isAccessProblem,
  isTerminal,
  JOB_ID_PATTERN,
  JobStatus,
  StatusApiErrorKind,
} from '../functions/contract.js';
import { describe, parseOrThrow } from './schema-issues.js';

/**
 * The `status` message attribute values: a job's terminal status for `job.*` events, the incident
 * kind for `watcher.*` events (docs/NOTIFICATIONS.md).
 */
const NOTIFIED_STATUSES = [
  ...Object.values(JobStatus).filter(isTerminal),
  ...Object.values(StatusApiErrorKind).filter(isAccessProblem),
];
const EVENT_TYPES = Object.values(EventType);

/** E.164: a plus, a country code that does not start with 0, at most 15 digits in all. */
const E164 = /^\+[1-9]\d{1,14}$/;
/** A pragmatic address check (one @, no spaces, a dot in the domain); SNS confirms the rest. */
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
/** SNS refuses a filter policy whose combination of values (the product of the list sizes) exceeds this. */
const MAX_FILTER_COMBINATIONS = 150;

/** A subscription or operator email is malformed; the message names the entry and the problem. */
export class SubscriptionConfigError extends Error {
  override name = 'SubscriptionConfigError';
}

const EMAIL_EXPECTED = 'must be an email address like name@example.com';
const emailAddress = z.string(EMAIL_EXPECTED).regex(EMAIL, EMAIL_EXPECTED);
const SMS_EXPECTED = 'must be an E.164 phone number: + and country code, digits only, e.g. +15555550100';
const phoneNumber = z.string(SMS_EXPECTED).regex(E164, SMS_EXPECTED);

/** A filter's list: non-empty, each item one of what `item` accepts (repeats dropped). */
function filterList<T extends string>(item: (error: z.core.$ZodErrorMap) => z.ZodType<T>, expected: string) {
  const itemError: z.core.$ZodErrorMap = (issue) => `has ${describe(issue.input)}; expected ${expected}`;
  const listExpected = `must be a non-empty list of ${expected}`;
  return z
    .array(item(itemError), listExpected)
    .min(1, listExpected)
    .transform((list): readonly T[] => [...new Set(list)])
    .optional();
}

/**
 * Which notifications a subscription receives. Each list given becomes one key of the SNS filter
 * policy on the message attribute of the same meaning; a message must match every list given
 * (and any one value within a list). No list at all: every notification.
 */
const notificationFilter = z.object({
  /** `event_type` values, e.g. `["job.completed", "job.failed"]`. @default - any event type */
  eventTypes: filterList(
    (error) => z.enum(EVENT_TYPES, { error }),
    `event types (${EVENT_TYPES.join(', ')})`,
  ),
  /** `status` values, e.g. `["failed"]`. @default - any status */
  statuses: filterList(
    (error) => z.enum(NOTIFIED_STATUSES, { error }),
    `statuses (${NOTIFIED_STATUSES.join(', ')})`,
  ),
  /** `job_id` values (CompanyEnrich job ids, UUIDs). Watcher alerts carry no job id. @default - any job */
  jobIds: filterList((error) => z.string({ error }).regex(JOB_ID_PATTERN, { error }), 'job ids (UUIDs)'),
});
export type NotificationFilter = z.output<typeof notificationFilter>;

const SUBSCRIPTION_KEYS = `email or sms, ${Object.keys(notificationFilter.shape).join(', ')}`;

/**
 * One subscriber from configuration: exactly one of `email` (on the email topic, readable
 * notifications; the address confirms by email) or `sms` (E.164, on the SMS topic, one-line
 * texts), plus an optional filter.
 */
const subscription = z
  .strictObject(
    { email: emailAddress.optional(), sms: phoneNumber.optional(), ...notificationFilter.shape },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown key ${issue.keys.map(describe).join(', ')} (expected ${SUBSCRIPTION_KEYS})`
          : 'must be an object with "email" or "sms"',
    },
  )
  .superRefine((entry, context) => {
    const combinations = [entry.eventTypes, entry.statuses, entry.jobIds].reduce(
      (product, list) => product * (list?.length ?? 1),
      1,
    );
    if (combinations > MAX_FILTER_COMBINATIONS) {
      context.addIssue({
        code: 'custom',
        message: `the filter combines ${combinations} values (eventTypes x statuses x jobIds); SNS allows ${MAX_FILTER_COMBINATIONS}`,
      });
    }
  })
  .transform(({ email, sms, ...filter }, context) => {
    if (email !== undefined && sms === undefined) return { email, ...filter };
    if (sms !== undefined && email === undefined) return { sms, ...filter };
    context.addIssue({ code: 'custom', message: 'give exactly one of "email" and "sms"' });
    return z.NEVER;
  });
export type NotificationSubscription = z.output<typeof subscription>;

/** Adds an issue at each entry whose `key` an earlier entry already had (case-insensitive). */
function onlyOnce<T>(key: (entry: T) => string, message: (entry: T, earlier: number) => string) {
  return (list: readonly T[], context: z.RefinementCtx) => {
    const first = new Map<string, number>();
    list.forEach((entry, index) => {
      const earlier = first.get(key(entry).toLowerCase());
      if (earlier === undefined) first.set(key(entry).toLowerCase(), index);
      else context.addIssue({ code: 'custom', path: [index], message: message(entry, earlier) });
    });
  };
}

const endpoint = (entry: NotificationSubscription): string => ('email' in entry ? entry.email : entry.sms);

/** The `subscriptions` prop or context key: a list of subscribers, one entry per address. */
export const subscriptionsSchema = z
  .array(subscription, 'must be a list')
  .superRefine(
    onlyOnce(
      endpoint,
      (entry, earlier) =>
        `${endpoint(entry)} is already subscribed by subscriptions[${earlier}]; one subscription per address (merge their filters)`,
    ),
  );

/** The `operatorEmails` prop or context key: addresses on the operator topic, each once. */
export const operatorEmailsSchema = z.array(emailAddress, 'must be a list').superRefine(
  onlyOnce<string>(
    (email) => email,
    () => 'listed twice',
  ),
);

/** Operator emails may also come as one comma-separated string (handy with `cdk synth -c`). */
export function splitEmails(value: unknown): unknown {
  return typeof value === 'string' ? value.split(',').flatMap((item) => item.trim() || []) : value;
}

/**
 * Checks subscriptions from stack props (typed, but the values are still anyone's) and returns
 * them normalised. Every error names the entry (`subscriptions[i]` and its JSON) and what is
 * wrong with it.
 *
 * @throws SubscriptionConfigError
 */
export function parseSubscriptions(value: unknown): NotificationSubscription[] {
  return parseOrThrow(subscriptionsSchema, value ?? [], 'subscriptions', SubscriptionConfigError);
}

/**
 * Email addresses for the operator topic (alarms), from a list or a comma-separated string.
 *
 * @throws SubscriptionConfigError naming the bad address.
 */
export function parseOperatorEmails(value: unknown): string[] {
  return parseOrThrow(
    operatorEmailsSchema,
    splitEmails(value ?? []),
    'operatorEmails',
    SubscriptionConfigError,
  );
}
