import {
  EventType,
  isAccessProblem,
  isTerminal,
  JOB_ID_PATTERN,
  JobStatus,
  StatusApiErrorKind,
  type AccessProblem,
} from '../functions/contract.js';

/**
 * The `status` message attribute values: a job's terminal status for `job.*` events, the incident
 * kind for `watcher.*` events (docs/NOTIFICATIONS.md).
 */
export type NotifiedStatus = JobStatus | AccessProblem;

export const NOTIFIED_STATUSES: readonly NotifiedStatus[] = [
  ...Object.values(JobStatus).filter(isTerminal),
  ...Object.values(StatusApiErrorKind).filter(isAccessProblem),
];

export const EVENT_TYPES: readonly EventType[] = Object.values(EventType);

/**
 * Which notifications a subscription receives. Each list given becomes one key of the SNS filter
 * policy on the message attribute of the same meaning; a message must match every list given
 * (and any one value within a list). No list at all: every notification.
 */
export interface NotificationFilter {
  /** `event_type` values, e.g. `["job.completed", "job.failed"]`. @default - any event type */
  readonly eventTypes?: readonly EventType[];
  /** `status` values, e.g. `["failed"]`. @default - any status */
  readonly statuses?: readonly NotifiedStatus[];
  /** `job_id` values (CompanyEnrich job ids, UUIDs). Watcher alerts carry no job id. @default - any job */
  readonly jobIds?: readonly string[];
}

/** An email address on the email topic (readable notifications); the address confirms by email. */
export interface EmailSubscription extends NotificationFilter {
  readonly email: string;
  readonly sms?: never;
}

/** A phone number (E.164, e.g. `+15555550100`) on the SMS topic (one-line texts). */
export interface SmsSubscription extends NotificationFilter {
  readonly sms: string;
  readonly email?: never;
}

/** One subscriber from configuration: exactly one of `email` or `sms`, plus an optional filter. */
export type NotificationSubscription = EmailSubscription | SmsSubscription;

/** E.164: a plus, a country code that does not start with 0, at most 15 digits in all. */
export const E164 = /^\+[1-9]\d{1,14}$/;
/** A pragmatic address check (one @, no spaces, a dot in the domain); SNS confirms the rest. */
export const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
/** A CompanyEnrich job id, exactly as `track` accepts it. */
export const JOB_ID = JOB_ID_PATTERN;
/** SNS refuses a filter policy whose combination of values (the product of the list sizes) exceeds this. */
export const MAX_FILTER_COMBINATIONS = 150;

const FILTER_KEYS = ['eventTypes', 'statuses', 'jobIds'] as const;
const KNOWN_KEYS: ReadonlySet<string> = new Set(['email', 'sms', ...FILTER_KEYS]);

export class SubscriptionConfigError extends Error {
  override name = 'SubscriptionConfigError';
}

function describe(entry: unknown): string {
  // JSON.stringify(undefined) is undefined, whatever its type says.
  const json = JSON.stringify(entry) as string | undefined;
  return json ?? String(entry);
}

function stringList(
  label: string,
  entry: Record<string, unknown>,
  key: (typeof FILTER_KEYS)[number],
  check: (value: string) => boolean,
  expected: string,
): string[] | undefined {
  const value = entry[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) {
    throw new SubscriptionConfigError(`${label}: ${key} must be a non-empty list of ${expected}`);
  }
  const bad = value.filter((item) => typeof item !== 'string' || !check(item));
  if (bad.length > 0) {
    throw new SubscriptionConfigError(
      `${label}: ${key} has ${bad.map((item) => JSON.stringify(item)).join(', ')}; expected ${expected}`,
    );
  }
  return [...new Set(value as string[])];
}

/**
 * Checks subscriptions from cdk context (untyped JSON) or stack props (typed, but the values are
 * still anyone's), and returns them normalised. Every error names the entry (`subscriptions[i]`
 * and its JSON) and what is wrong with it.
 *
 * @throws SubscriptionConfigError
 */
export function parseSubscriptions(value: unknown, label = 'subscriptions'): NotificationSubscription[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new SubscriptionConfigError(`${label} must be a list (got ${describe(value)})`);
  }
  const endpoints = new Map<string, number>();
  return value.map((raw: unknown, index) => {
    const where = `${label}[${index}] ${describe(raw)}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new SubscriptionConfigError(`${where}: must be an object with "email" or "sms"`);
    }
    const entry = raw as Record<string, unknown>;
    const unknownKeys = Object.keys(entry).filter((key) => !KNOWN_KEYS.has(key));
    if (unknownKeys.length > 0) {
      throw new SubscriptionConfigError(
        `${where}: unknown key ${unknownKeys.map((key) => JSON.stringify(key)).join(', ')} (expected email or sms, eventTypes, statuses, jobIds)`,
      );
    }
    const { email, sms } = entry;
    if ((email === undefined) === (sms === undefined)) {
      throw new SubscriptionConfigError(`${where}: give exactly one of "email" and "sms"`);
    }
    if (email !== undefined && (typeof email !== 'string' || !EMAIL.test(email))) {
      throw new SubscriptionConfigError(`${where}: email must be an email address like name@example.com`);
    }
    if (sms !== undefined && (typeof sms !== 'string' || !E164.test(sms))) {
      throw new SubscriptionConfigError(
        `${where}: sms must be an E.164 phone number: + and country code, digits only, e.g. +15555550100`,
      );
    }
    const endpoint = (email ?? sms) as string;
    const key = `${email === undefined ? 'sms' : 'email'}:${endpoint.toLowerCase()}`;
    const earlier = endpoints.get(key);
    if (earlier !== undefined) {
      throw new SubscriptionConfigError(
        `${where}: ${endpoint} is already subscribed by ${label}[${earlier}]; one subscription per address (merge their filters)`,
      );
    }
    endpoints.set(key, index);

    const eventTypes = stringList(
      where,
      entry,
      'eventTypes',
      (item) => (EVENT_TYPES as readonly string[]).includes(item),
      `event types (${EVENT_TYPES.join(', ')})`,
    ) as EventType[] | undefined;
    const statuses = stringList(
      where,
      entry,
      'statuses',
      (item) => (NOTIFIED_STATUSES as readonly string[]).includes(item),
      `statuses (${NOTIFIED_STATUSES.join(', ')})`,
    ) as NotifiedStatus[] | undefined;
    const jobIds = stringList(where, entry, 'jobIds', (item) => JOB_ID.test(item), 'job ids (UUIDs)');
    const combinations = [eventTypes, statuses, jobIds].reduce(
      (product, list) => product * (list?.length ?? 1),
      1,
    );
    if (combinations > MAX_FILTER_COMBINATIONS) {
      throw new SubscriptionConfigError(
        `${where}: the filter combines ${combinations} values (eventTypes x statuses x jobIds); SNS allows ${MAX_FILTER_COMBINATIONS}`,
      );
    }
    const filter: NotificationFilter = {
      ...(eventTypes ? { eventTypes } : {}),
      ...(statuses ? { statuses } : {}),
      ...(jobIds ? { jobIds } : {}),
    };
    return typeof email === 'string' ? { email, ...filter } : { sms: endpoint, ...filter };
  });
}

/**
 * Email addresses for the operator topic (alarms), from a list or a comma-separated string.
 *
 * @throws SubscriptionConfigError naming the bad address.
 */
export function parseOperatorEmails(value: unknown, label = 'operatorEmails'): string[] {
  if (value === undefined || value === null || value === '') return [];
  const list: unknown[] =
    typeof value === 'string'
      ? value.split(',').map((item) => item.trim())
      : Array.isArray(value)
        ? value
        : [value];
  const seen = new Set<string>();
  return list.map((item, index) => {
    if (typeof item !== 'string' || !EMAIL.test(item)) {
      throw new SubscriptionConfigError(
        `${label}[${index}] ${describe(item)}: must be an email address like name@example.com`,
      );
    }
    if (seen.has(item.toLowerCase())) {
      throw new SubscriptionConfigError(`${label}[${index}] ${describe(item)}: listed twice`);
    }
    seen.add(item.toLowerCase());
    return item;
  });
}
