import * as z from 'zod/mini';
import type { EnvironmentVariable } from '../contract.js';
import { ConfigError } from './domain/errors.js';
import type { JobChannel } from './domain/notification-channel.js';
import type { TickPolicy } from './use-cases/poll-tick.js';

/** Where the CompanyEnrich API key comes from. The value itself is never part of the config. */
export type ApiKeySource =
  { kind: 'secret'; secretId: string } | { kind: 'environment'; variable: 'COMPANYENRICH_API_KEY' };

/** Everything the watcher reads from its environment, validated. */
export interface WatcherConfig {
  /** The DynamoDB table of tracked jobs; null means "use the local run's embedded store" (CLI only). */
  jobsTableName: string | null;
  /**
   * The SNS topic of each notification channel (JSON events, email, SMS). A channel without a
   * topic is not published to; none at all means "no SNS" (local run and CLI only).
   */
  topics: Partial<Record<JobChannel, string>>;
  /**
   * The operator's SNS topic: account-level alerts (incident opened, recovered) go there and to
   * the events topic, never to email or SMS. Null: not configured (local run and CLI only).
   */
  operatorTopicArn: string | null;
  apiBaseUrl: string;
  /** null: no key configured (the local run then uses its simulator). */
  apiKeySource: ApiKeySource | null;
  /** How long a key fetched from Secrets Manager is reused before it is fetched again. */
  apiKeyCacheSeconds: number;
  tick: TickPolicy;
  /** The webhook fast path: null values mean it is off (no callback URL is given to CompanyEnrich). */
  webhook: {
    /** Secrets Manager secret keying the webhook tokens. */
    secretId: string | null;
    /** Public base URL of the HTTP API, without a trailing slash. */
    baseUrl: string | null;
  };
}

const DAY_MS = 86_400_000;

/**
 * An optional environment variable read by `read`, which returns the value or, when the text is
 * not acceptable, the message saying so (zod/mini: the poll bundle carries no classic zod).
 */
function variable<T>(read: (raw: string | undefined) => T | { problem: string }) {
  return z.pipe(
    z.optional(z.string()),
    z.transform((raw: string | undefined, ctx) => {
      const value = read(raw);
      if (value !== null && typeof value === 'object' && 'problem' in value) {
        ctx.issues.push({ code: 'custom', message: value.problem, input: raw });
        return z.NEVER;
      }
      return value;
    }),
  );
}

function wholeNumber(name: string, min: number, max: number, fallback: number) {
  return variable((raw): number | { problem: string } => {
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      return { problem: `${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})` };
    }
    return value;
  });
}

function optionalText(name: string, pattern: RegExp, expected: string) {
  return variable((raw): string | null | { problem: string } => {
    if (raw === undefined || raw.trim() === '') return null;
    const value = raw.trim();
    if (!pattern.test(value))
      return { problem: `${name} must be ${expected} (got ${JSON.stringify(value)})` };
    return value;
  });
}

/** The API's base URL, without trailing slashes; the public API when unset. */
function apiUrl(raw: string | undefined): string | { problem: string } {
  const value = raw?.trim() ? raw.trim() : 'https://api.companyenrich.com';
  const problem = `COMPANYENRICH_API_URL must be an http(s) URL (got ${JSON.stringify(value)})`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { problem };
  return value.replace(/\/+$/, '');
}

const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const HTTP_URL = /^https?:\/\/[^\s?#]+$/;
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const SECRET_ID =
  /^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+|[A-Za-z0-9/_+=.@-]{1,512})$/;

// `satisfies`: every variable the stack may set (the contract) is one this schema reads.
const environmentSchema = z.object({
  JOBS_TABLE_NAME: optionalText(
    'JOBS_TABLE_NAME',
    TABLE_NAME,
    'a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)',
  ),
  EVENTS_TOPIC_ARN: optionalText('EVENTS_TOPIC_ARN', SNS_TOPIC_ARN, 'an SNS topic ARN'),
  EMAIL_TOPIC_ARN: optionalText('EMAIL_TOPIC_ARN', SNS_TOPIC_ARN, 'an SNS topic ARN'),
  SMS_TOPIC_ARN: optionalText('SMS_TOPIC_ARN', SNS_TOPIC_ARN, 'an SNS topic ARN'),
  OPERATOR_TOPIC_ARN: optionalText('OPERATOR_TOPIC_ARN', SNS_TOPIC_ARN, 'an SNS topic ARN'),
  COMPANYENRICH_API_URL: variable(apiUrl),
  COMPANYENRICH_API_KEY_SECRET_ARN: optionalText(
    'COMPANYENRICH_API_KEY_SECRET_ARN',
    SECRET_ID,
    'a Secrets Manager secret ARN or name',
  ),
  // The key itself is only checked for presence: its value must never reach an error message.
  COMPANYENRICH_API_KEY: variable((raw) => (raw !== undefined && raw.trim() !== '' ? 'set' : null)),
  API_KEY_CACHE_SECONDS: wholeNumber('API_KEY_CACHE_SECONDS', 0, 86_400, 300),
  POLL_INTERVAL_SECONDS: wholeNumber('POLL_INTERVAL_SECONDS', 1, 86_400, 60),
  // 10,000 due jobs in one 50-second tick: 32 checks of ~70 ms (50 ms request, its write) in flight.
  CHECK_CONCURRENCY: wholeNumber('CHECK_CONCURRENCY', 1, 64, 32),
  STATUS_RATE_LIMIT: wholeNumber('STATUS_RATE_LIMIT', 0, 10_000, 0),
  DUE_PAGE_SIZE: wholeNumber('DUE_PAGE_SIZE', 1, 1_000, 100),
  API_TIMEOUT_MS: wholeNumber('API_TIMEOUT_MS', 100, 60_000, 8_000),
  NOT_FOUND_LIMIT: wholeNumber('NOT_FOUND_LIMIT', 1, 100, 3),
  MAX_BACKOFF_SECONDS: wholeNumber('MAX_BACKOFF_SECONDS', 1, 86_400, 1_800),
  JOB_RETENTION_DAYS: wholeNumber('JOB_RETENTION_DAYS', 0, 36_500, 90),
  WEBHOOK_SECRET_ARN: optionalText('WEBHOOK_SECRET_ARN', SECRET_ID, 'a Secrets Manager secret ARN or name'),
  WEBHOOK_BASE_URL: optionalText('WEBHOOK_BASE_URL', HTTP_URL, 'an http(s) URL without query or fragment'),
} satisfies Record<EnvironmentVariable, z.ZodMiniType>);

/** What a caller insists on; the Lambda needs all of it, the CLI only what its command uses. */
export interface ConfigRequirements {
  table?: boolean;
  topic?: boolean;
  /** The operator topic, where account-level alerts go. */
  operatorTopic?: boolean;
  apiKey?: boolean;
}

/**
 * Parses and validates the environment once (at cold start, or when the CLI starts).
 *
 * @throws ConfigError naming every bad or missing variable; secret values are never echoed.
 */
export function loadConfig(env: NodeJS.ProcessEnv, requirements: ConfigRequirements = {}): WatcherConfig {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      `Invalid configuration: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`,
    );
  }
  const vars = parsed.data;
  const problems: string[] = [];
  if (requirements.table && !vars.JOBS_TABLE_NAME) problems.push('JOBS_TABLE_NAME is required');
  if (requirements.topic && !vars.EVENTS_TOPIC_ARN) problems.push('EVENTS_TOPIC_ARN is required');
  if (requirements.operatorTopic && !vars.OPERATOR_TOPIC_ARN) problems.push('OPERATOR_TOPIC_ARN is required');
  if (env.NOTIFICATIONS_TOPIC_ARN !== undefined) {
    // One topic per channel replaced it; ignoring it silently would drop every notification.
    problems.push(
      'NOTIFICATIONS_TOPIC_ARN is not used: set EVENTS_TOPIC_ARN (and EMAIL_TOPIC_ARN, SMS_TOPIC_ARN, OPERATOR_TOPIC_ARN) instead',
    );
  }
  if (vars.COMPANYENRICH_API_KEY_SECRET_ARN && vars.COMPANYENRICH_API_KEY) {
    problems.push('set only one of COMPANYENRICH_API_KEY_SECRET_ARN and COMPANYENRICH_API_KEY');
  }
  if (requirements.apiKey && !vars.COMPANYENRICH_API_KEY_SECRET_ARN && !vars.COMPANYENRICH_API_KEY) {
    problems.push('COMPANYENRICH_API_KEY_SECRET_ARN (or COMPANYENRICH_API_KEY for local use) is required');
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);

  const pollIntervalMs = vars.POLL_INTERVAL_SECONDS * 1000;
  const apiKeySource: ApiKeySource | null = vars.COMPANYENRICH_API_KEY_SECRET_ARN
    ? { kind: 'secret', secretId: vars.COMPANYENRICH_API_KEY_SECRET_ARN }
    : vars.COMPANYENRICH_API_KEY
      ? { kind: 'environment', variable: 'COMPANYENRICH_API_KEY' }
      : null;
  return {
    jobsTableName: vars.JOBS_TABLE_NAME,
    topics: {
      ...(vars.EVENTS_TOPIC_ARN ? { events: vars.EVENTS_TOPIC_ARN } : {}),
      ...(vars.EMAIL_TOPIC_ARN ? { email: vars.EMAIL_TOPIC_ARN } : {}),
      ...(vars.SMS_TOPIC_ARN ? { sms: vars.SMS_TOPIC_ARN } : {}),
    },
    operatorTopicArn: vars.OPERATOR_TOPIC_ARN,
    apiBaseUrl: vars.COMPANYENRICH_API_URL,
    apiKeySource,
    apiKeyCacheSeconds: vars.API_KEY_CACHE_SECONDS,
    webhook: {
      secretId: vars.WEBHOOK_SECRET_ARN,
      baseUrl: vars.WEBHOOK_BASE_URL?.replace(/\/+$/, '') ?? null,
    },
    tick: {
      pollIntervalMs,
      maxBackoffMs: Math.max(vars.MAX_BACKOFF_SECONDS * 1000, pollIntervalMs),
      notFoundLimit: vars.NOT_FOUND_LIMIT,
      // Five intervals: longer than any tick may run (a tick must end within one interval).
      notificationLeaseMs: 5 * pollIntervalMs,
      retentionMs: vars.JOB_RETENTION_DAYS === 0 ? null : vars.JOB_RETENTION_DAYS * DAY_MS,
      concurrency: vars.CHECK_CONCURRENCY,
      requestsPerSecond: vars.STATUS_RATE_LIMIT === 0 ? null : vars.STATUS_RATE_LIMIT,
      pageSize: vars.DUE_PAGE_SIZE,
      requestTimeoutMs: vars.API_TIMEOUT_MS,
    },
  };
}

/**
 * The configuration of the deployed poll function: table, events and operator topics and key
 * source are guaranteed.
 */
export interface PollFunctionConfig extends WatcherConfig {
  jobsTableName: string;
  topics: Partial<Record<JobChannel, string>> & { events: string };
  operatorTopicArn: string;
  apiKeySource: ApiKeySource;
}

/**
 * Loads the poll function's configuration, requiring everything it cannot run without.
 *
 * @throws ConfigError naming every bad or missing variable.
 */
export function loadPollFunctionConfig(env: NodeJS.ProcessEnv): PollFunctionConfig {
  const config = loadConfig(env, { table: true, topic: true, operatorTopic: true, apiKey: true });
  const { jobsTableName, topics, operatorTopicArn, apiKeySource } = config;
  const events = topics.events;
  if (!jobsTableName || !events || !operatorTopicArn || !apiKeySource) {
    throw new ConfigError(
      'Invalid configuration: table, events and operator topics and API key source are required',
    );
  }
  return { ...config, jobsTableName, topics: { ...topics, events }, operatorTopicArn, apiKeySource };
}

/** The configuration of the API function: table and key source guaranteed; the webhook is optional. */
export interface ApiFunctionConfig extends WatcherConfig {
  jobsTableName: string;
  /** Submitting creates jobs at CompanyEnrich. */
  apiKeySource: ApiKeySource;
}

/**
 * Loads the API function's configuration. The webhook fast path is on when `WEBHOOK_BASE_URL`
 * is set, and then needs `WEBHOOK_SECRET_ARN` to sign the URLs it hands out.
 *
 * @throws ConfigError naming every bad or missing variable.
 */
export function loadApiFunctionConfig(env: NodeJS.ProcessEnv): ApiFunctionConfig {
  const config = loadConfig(env, { table: true, apiKey: true });
  const { jobsTableName, apiKeySource, webhook } = config;
  if (!jobsTableName || !apiKeySource) {
    throw new ConfigError('Invalid configuration: table and API key source are required');
  }
  if (webhook.baseUrl !== null && webhook.secretId === null) {
    throw new ConfigError(
      'Invalid configuration: WEBHOOK_BASE_URL is set, so WEBHOOK_SECRET_ARN is required',
    );
  }
  return { ...config, jobsTableName, apiKeySource };
}

/** The configuration of the webhook function: it checks jobs and notifies, like the poller. */
export interface WebhookFunctionConfig extends PollFunctionConfig {
  webhook: { secretId: string; baseUrl: string | null };
}

/**
 * Loads the webhook function's configuration: what the poller needs (a hint leads to a status
 * check and possibly a notification), plus the secret that verifies the tokens.
 *
 * @throws ConfigError naming every bad or missing variable.
 */
export function loadWebhookFunctionConfig(env: NodeJS.ProcessEnv): WebhookFunctionConfig {
  const secretMissing = 'WEBHOOK_SECRET_ARN is required';
  let config: PollFunctionConfig;
  try {
    config = loadPollFunctionConfig(env);
  } catch (error) {
    // Name every missing variable at once, the secret included.
    if (error instanceof ConfigError && !env.WEBHOOK_SECRET_ARN?.trim()) {
      throw new ConfigError(`${error.message}; ${secretMissing}`, { cause: error });
    }
    throw error;
  }
  const secretId = config.webhook.secretId;
  if (secretId === null) throw new ConfigError(`Invalid configuration: ${secretMissing}`);
  return { ...config, webhook: { ...config.webhook, secretId } };
}

/** The configuration of the alarm relay function: only the topic it publishes to. */
export interface AlarmRelayConfig {
  operatorTopicArn: string;
}

/**
 * Loads the alarm relay's configuration: `OPERATOR_TOPIC_ARN`, where it publishes alarm state
 * changes.
 *
 * @throws ConfigError naming every bad or missing variable.
 */
export function loadAlarmRelayConfig(env: NodeJS.ProcessEnv): AlarmRelayConfig {
  const { operatorTopicArn } = loadConfig(env, { operatorTopic: true });
  if (!operatorTopicArn) throw new ConfigError('Invalid configuration: OPERATOR_TOPIC_ARN is required');
  return { operatorTopicArn };
}
