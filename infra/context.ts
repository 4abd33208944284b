import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import type { ExistingApiKeySecret } from './constructs/api-key-secret.js';
import { LOG_LEVELS, type LogLevel } from './constructs/function-defaults.js';
import { MAX_JOB_RETENTION_DAYS } from './constructs/job-store.js';
import type { EnrichJobWatchStackProps } from './enrich-job-watch-stack.js';
import { parseOperatorEmails, parseSubscriptions } from './subscriptions.js';

/**
 * Context keys the app reads, from cdk.json's `context` or `cdk synth -c key=value` (a `-c` value
 * is a string: lists are given as JSON, e.g. `-c 'subscriptions=[{"email":"a@example.com"}]'`).
 */
export const CONTEXT_KEYS = {
  stackName: 'stackName',
  removalPolicy: 'removalPolicy',
  deletionProtection: 'deletionProtection',
  jobRetentionDays: 'jobRetentionDays',
  pollIntervalMinutes: 'pollIntervalMinutes',
  pollTimeoutSeconds: 'pollTimeoutSeconds',
  reservedConcurrency: 'reservedConcurrency',
  logRetentionDays: 'logRetentionDays',
  logLevel: 'logLevel',
  serviceName: 'serviceName',
  subscriptions: 'subscriptions',
  operatorEmails: 'operatorEmails',
  apiKeySecretName: 'apiKeySecretName',
  apiKeySecretArn: 'apiKeySecretArn',
  apiKeySecretKmsKeyArn: 'apiKeySecretKmsKeyArn',
  heartbeatMinutes: 'heartbeatMinutes',
  exportPrefix: 'exportPrefix',
} as const;

const REMOVAL_POLICIES: Record<string, RemovalPolicy> = {
  retain: RemovalPolicy.RETAIN,
  destroy: RemovalPolicy.DESTROY,
};

/** CloudWatch Logs' retention choices by their number of days (RetentionDays without INFINITE). */
const RETENTION_DAYS: ReadonlyMap<number, RetentionDays> = new Map(
  Object.values(RetentionDays)
    .filter((value): value is RetentionDays => typeof value === 'number' && value !== RetentionDays.INFINITE)
    .sort((a, b) => a - b)
    .map((value) => [value as number, value]),
);

export interface AppSettings {
  /** @default 'EnrichJobWatch' */
  readonly stackName: string;
  readonly stackProps: EnrichJobWatchStackProps;
}

export class ContextError extends Error {
  override name = 'ContextError';
}

/** Reads the stack's overrides from cdk context; anything unset keeps the stack's default. */
export function settingsFromContext(node: Node): AppSettings {
  const raw = (key: string): unknown => {
    const value: unknown = node.tryGetContext(key);
    return value === null || value === '' ? undefined : value;
  };
  const fail = (key: string, expected: string, value: unknown): never => {
    throw new ContextError(`context ${key} must be ${expected} (got ${JSON.stringify(value)})`);
  };
  const text = (key: string): string | undefined => {
    const value = raw(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string' && typeof value !== 'number')
      return fail(key, 'a string or a number', value);
    return String(value);
  };
  const wholeNumber = (key: string, min: number, max: number, unit: string): number | undefined => {
    const value = raw(key);
    if (value === undefined) return undefined;
    const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
    if (!Number.isInteger(number) || number < min || number > max) {
      fail(key, `a whole number of ${unit} from ${min} to ${max}`, value);
    }
    return number;
  };
  const flag = (key: string): boolean | undefined => {
    const value = raw(key);
    if (value === undefined) return undefined;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    return fail(key, 'true or false', value);
  };
  /** A list from cdk.json, or JSON text from `-c`. */
  const json = (key: string): unknown => {
    const value = raw(key);
    if (typeof value !== 'string') return value;
    const trimmed = value.trim();
    if (!trimmed.startsWith('[') && !trimmed.startsWith('{')) return value;
    try {
      return JSON.parse(trimmed) as unknown;
    } catch (error) {
      throw new ContextError(`context ${key} is not valid JSON: ${(error as Error).message}`);
    }
  };
  const guarded = <T>(parse: () => T): T => {
    try {
      return parse();
    } catch (error) {
      throw new ContextError(`context ${(error as Error).message}`);
    }
  };

  const stackName = text(CONTEXT_KEYS.stackName) ?? 'EnrichJobWatch';

  const policyName = text(CONTEXT_KEYS.removalPolicy);
  const removalPolicy = policyName === undefined ? undefined : REMOVAL_POLICIES[policyName.toLowerCase()];
  if (policyName !== undefined && removalPolicy === undefined) {
    fail(CONTEXT_KEYS.removalPolicy, `one of ${Object.keys(REMOVAL_POLICIES).join(', ')}`, policyName);
  }

  const jobRetentionDays = wholeNumber(CONTEXT_KEYS.jobRetentionDays, 0, MAX_JOB_RETENTION_DAYS, 'days');
  const pollMinutes = wholeNumber(CONTEXT_KEYS.pollIntervalMinutes, 1, 1440, 'minutes');
  const timeoutSeconds = wholeNumber(CONTEXT_KEYS.pollTimeoutSeconds, 1, 900, 'seconds');
  const heartbeatMinutes = wholeNumber(CONTEXT_KEYS.heartbeatMinutes, 2, 1440, 'minutes');

  const reservedRaw = raw(CONTEXT_KEYS.reservedConcurrency);
  const reservedConcurrency =
    reservedRaw === undefined
      ? undefined
      : reservedRaw === 'none'
        ? ('none' as const)
        : wholeNumber(CONTEXT_KEYS.reservedConcurrency, 1, 1000, 'executions (or "none")');

  const logRetentionRaw = raw(CONTEXT_KEYS.logRetentionDays);
  let logRetention: RetentionDays | undefined;
  if (logRetentionRaw !== undefined) {
    const days =
      typeof logRetentionRaw === 'number'
        ? logRetentionRaw
        : typeof logRetentionRaw === 'string' && /^\d+$/.test(logRetentionRaw)
          ? Number(logRetentionRaw)
          : NaN;
    logRetention =
      RETENTION_DAYS.get(days) ??
      fail(CONTEXT_KEYS.logRetentionDays, `one of ${[...RETENTION_DAYS.keys()].join(', ')}`, logRetentionRaw);
  }

  const logLevelText = text(CONTEXT_KEYS.logLevel)?.toUpperCase();
  if (logLevelText !== undefined && !(LOG_LEVELS as readonly string[]).includes(logLevelText)) {
    fail(CONTEXT_KEYS.logLevel, `one of ${LOG_LEVELS.join(', ')}`, raw(CONTEXT_KEYS.logLevel));
  }
  const logLevel = logLevelText as LogLevel | undefined;

  const serviceName = text(CONTEXT_KEYS.serviceName);
  const exportPrefix = text(CONTEXT_KEYS.exportPrefix);
  if (exportPrefix !== undefined && !/^[A-Za-z0-9:-]{1,200}$/.test(exportPrefix)) {
    fail(
      CONTEXT_KEYS.exportPrefix,
      'letters, digits, colons and hyphens (an export name prefix)',
      exportPrefix,
    );
  }

  const subscriptions = guarded(() =>
    parseSubscriptions(json(CONTEXT_KEYS.subscriptions), CONTEXT_KEYS.subscriptions),
  );
  const operatorEmails = guarded(() =>
    parseOperatorEmails(json(CONTEXT_KEYS.operatorEmails), CONTEXT_KEYS.operatorEmails),
  );

  const secretName = text(CONTEXT_KEYS.apiKeySecretName);
  const secretArn = text(CONTEXT_KEYS.apiKeySecretArn);
  const secretKeyArn = text(CONTEXT_KEYS.apiKeySecretKmsKeyArn);
  if (secretName !== undefined && secretArn !== undefined) {
    throw new ContextError(
      `context ${CONTEXT_KEYS.apiKeySecretName} and ${CONTEXT_KEYS.apiKeySecretArn}: give one of them, not both`,
    );
  }
  if (secretKeyArn !== undefined && secretName === undefined && secretArn === undefined) {
    throw new ContextError(
      `context ${CONTEXT_KEYS.apiKeySecretKmsKeyArn} applies to an existing secret: also give ${CONTEXT_KEYS.apiKeySecretName} or ${CONTEXT_KEYS.apiKeySecretArn}`,
    );
  }
  const keyArn = secretKeyArn === undefined ? {} : { encryptionKeyArn: secretKeyArn };
  const apiKeySecret: ExistingApiKeySecret | undefined =
    secretArn !== undefined
      ? { secretArn, ...keyArn }
      : secretName !== undefined
        ? { secretName, ...keyArn }
        : undefined;

  const deletionProtection = flag(CONTEXT_KEYS.deletionProtection);

  return {
    stackName,
    stackProps: {
      ...(removalPolicy === undefined ? {} : { removalPolicy }),
      ...(deletionProtection === undefined ? {} : { deletionProtection }),
      ...(jobRetentionDays === undefined ? {} : { jobRetention: Duration.days(jobRetentionDays) }),
      ...(pollMinutes === undefined ? {} : { pollInterval: Duration.minutes(pollMinutes) }),
      ...(timeoutSeconds === undefined ? {} : { pollTimeout: Duration.seconds(timeoutSeconds) }),
      ...(reservedConcurrency === undefined ? {} : { reservedConcurrency }),
      ...(logRetention === undefined ? {} : { logRetention }),
      ...(logLevel === undefined ? {} : { logLevel }),
      ...(serviceName === undefined ? {} : { serviceName }),
      ...(subscriptions.length === 0 ? {} : { subscriptions }),
      ...(operatorEmails.length === 0 ? {} : { operatorEmails }),
      ...(apiKeySecret === undefined ? {} : { apiKeySecret }),
      ...(heartbeatMinutes === undefined ? {} : { heartbeatWindow: Duration.minutes(heartbeatMinutes) }),
      ...(exportPrefix === undefined ? {} : { exportPrefix }),
    },
  };
}
