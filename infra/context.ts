import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { z } from 'zod';
import { LOG_LEVELS } from './constructs/function-defaults.js';
import { MAX_THROTTLE } from './constructs/jobs-http-api.js';
import { MAX_JOB_RETENTION_DAYS } from './constructs/job-store.js';
import type { EnrichJobWatchStackProps } from './enrich-job-watch-stack.js';
import { parseOrThrow } from './schema-issues.js';
import { operatorEmailsSchema, splitEmails, subscriptionsSchema } from './subscriptions.js';

/** The cdk context holds a value the stack cannot use; the message names each key and the problem. */
export class ContextError extends Error {
  override name = 'ContextError';
}

/** CloudWatch Logs' retention choices by their number of days (RetentionDays without INFINITE). */
const RETENTION_DAYS = Object.values(RetentionDays)
  .filter((value): value is RetentionDays => typeof value === 'number' && value !== RetentionDays.INFINITE)
  .sort((a, b) => a - b);

const oneOf = (values: readonly unknown[]): string => `must be one of ${values.join(', ')}`;

/** `-c` gives text, cdk.json gives JSON types: both `"5"` and `5` are five. */
const asNumber = (value: unknown): unknown => (typeof value === 'string' ? Number(value) : value);

const text = z.union([z.string(), z.number()], 'must be a string or a number').transform(String);

function wholeNumberExpected(min: number, max: number, unit: string): string {
  return `must be a whole number of ${unit} from ${min} to ${max}`;
}

function wholeNumber(min: number, max: number, unit: string) {
  const expected = wholeNumberExpected(min, max, unit);
  return z.preprocess(asNumber, z.int(expected).min(min, expected).max(max, expected));
}

/** `values`, whatever the case it was written in. */
function caseless<const T extends readonly string[]>(values: T, normalise: (value: string) => string) {
  return z.preprocess(
    (value) => (typeof value === 'string' ? normalise(value) : value),
    z.enum(values, oneOf(values)),
  );
}

const RESERVED_UNIT = 'executions (or "none")';
const duration = (min: number, max: number, unit: 'days' | 'minutes' | 'seconds') =>
  wholeNumber(min, max, unit).transform((amount) => Duration[unit](amount));
const EXPORT_PREFIX = /^[A-Za-z0-9:-]{1,200}$/;

/**
 * The context the app reads, from cdk.json's `context` or `cdk synth -c key=value` (a `-c` value
 * is a string: lists are given as JSON, e.g. `-c 'subscriptions=[{"email":"a@example.com"}]'`).
 * Every key is optional: unset keeps the stack's default (EnrichJobWatchStackProps).
 */
/** `true`/`false`, also as `-c key=true` text. */
const booleanFlag = z.preprocess(
  (value) => (value === 'true' ? true : value === 'false' ? false : value),
  z.boolean('must be true or false'),
);

const contextKeys = z
  .object({
    stackName: text,
    removalPolicy: caseless(['retain', 'destroy'], (value) => value.toLowerCase()).transform((name) =>
      name === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    ),
    deletionProtection: booleanFlag,
    jobRetentionDays: duration(0, MAX_JOB_RETENTION_DAYS, 'days'),
    pollIntervalMinutes: duration(1, 1440, 'minutes'),
    pollTimeoutSeconds: duration(1, 900, 'seconds'),
    reservedConcurrency: z.union(
      [z.literal('none'), wholeNumber(1, 1000, RESERVED_UNIT)],
      wholeNumberExpected(1, 1000, RESERVED_UNIT),
    ),
    pollMemoryMb: wholeNumber(128, 10_240, 'MB'),
    logRetentionDays: z.preprocess(asNumber, z.literal(RETENTION_DAYS, oneOf(RETENTION_DAYS))),
    logLevel: caseless(LOG_LEVELS, (value) => value.toUpperCase()),
    serviceName: text,
    subscriptions: subscriptionsSchema,
    operatorEmails: operatorEmailsSchema,
    apiKeySecretName: text,
    apiKeySecretArn: text,
    apiKeySecretKmsKeyArn: text,
    heartbeatMinutes: duration(2, 1440, 'minutes'),
    apiRateLimit: wholeNumber(1, MAX_THROTTLE.rateLimit, 'requests per second'),
    apiBurstLimit: wholeNumber(1, MAX_THROTTLE.burstLimit, 'requests'),
    statusIndex: booleanFlag,
    dashboard: booleanFlag,
    legacyDueIndex: booleanFlag,
    exportPrefix: text.pipe(
      z.string().regex(EXPORT_PREFIX, 'must be letters, digits, colons and hyphens (an export name prefix)'),
    ),
  })
  .partial();
type ContextValues = z.output<typeof contextKeys>;

/** Context keys the app reads (each key is its own value). */
export const CONTEXT_KEYS = contextKeys.keyof().enum;
type ContextKey = keyof typeof CONTEXT_KEYS;

/** Keys whose value may be a list, given with `-c` as JSON text. */
const LIST_KEYS: ReadonlySet<ContextKey> = new Set([CONTEXT_KEYS.subscriptions, CONTEXT_KEYS.operatorEmails]);

function existingSecret(values: ContextValues): EnrichJobWatchStackProps['apiKeySecret'] {
  const encryptionKeyArn = values.apiKeySecretKmsKeyArn;
  if (values.apiKeySecretArn !== undefined) return { secretArn: values.apiKeySecretArn, encryptionKeyArn };
  if (values.apiKeySecretName !== undefined) return { secretName: values.apiKeySecretName, encryptionKeyArn };
  return undefined;
}

const contextSchema = contextKeys
  .superRefine((values, context) => {
    const { apiKeySecretName: name, apiKeySecretArn: arn, apiKeySecretKmsKeyArn: keyArn } = values;
    if (name !== undefined && arn !== undefined) {
      context.addIssue({
        code: 'custom',
        message: 'apiKeySecretName and apiKeySecretArn: give one of them, not both',
      });
    }
    if (keyArn !== undefined && name === undefined && arn === undefined) {
      context.addIssue({
        code: 'custom',
        message:
          'apiKeySecretKmsKeyArn applies to an existing secret: also give apiKeySecretName or apiKeySecretArn',
      });
    }
  })
  // Context keys name their unit (`pollIntervalMinutes`); the props take Durations under their own names.
  .transform((values) => ({
    stackName: values.stackName ?? 'EnrichJobWatch',
    stackProps: {
      removalPolicy: values.removalPolicy,
      deletionProtection: values.deletionProtection,
      jobRetention: values.jobRetentionDays,
      pollInterval: values.pollIntervalMinutes,
      pollTimeout: values.pollTimeoutSeconds,
      reservedConcurrency: values.reservedConcurrency,
      pollMemorySize: values.pollMemoryMb,
      logRetention: values.logRetentionDays,
      logLevel: values.logLevel,
      serviceName: values.serviceName,
      subscriptions: values.subscriptions,
      operatorEmails: values.operatorEmails,
      apiKeySecret: existingSecret(values),
      heartbeatWindow: values.heartbeatMinutes,
      apiRateLimit: values.apiRateLimit,
      apiBurstLimit: values.apiBurstLimit,
      statusIndex: values.statusIndex,
      legacyDueIndex: values.legacyDueIndex,
      exportPrefix: values.exportPrefix,
      dashboard: values.dashboard,
    } satisfies EnrichJobWatchStackProps,
  }));

export type AppSettings = z.output<typeof contextSchema>;

/** One key's value as written; blank is unset, and `-c` lists arrive as JSON or comma-separated text. */
function readValue(node: Node, key: ContextKey): unknown {
  const value: unknown = node.tryGetContext(key);
  if (typeof value !== 'string') return value ?? undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (!LIST_KEYS.has(key)) return trimmed;
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch (error) {
      throw new ContextError(`context ${key} is not valid JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  return key === CONTEXT_KEYS.operatorEmails ? splitEmails(trimmed) : trimmed;
}

/**
 * Reads the stack's overrides from cdk context; anything unset keeps the stack's default.
 *
 * @throws ContextError naming each bad key (and list entry) and what is wrong with it.
 */
export function settingsFromContext(node: Node): AppSettings {
  const values = Object.fromEntries(Object.values(CONTEXT_KEYS).map((key) => [key, readValue(node, key)]));
  return parseOrThrow(contextSchema, values, 'context', ContextError);
}
