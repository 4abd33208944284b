import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { Node } from 'constructs';
import type { EnrichJobWatchStackProps } from './enrich-job-watch-stack.js';

/** Context keys the app reads, e.g. `cdk synth -c removalPolicy=destroy -c pollIntervalMinutes=5`. */
export const CONTEXT_KEYS = {
  stackName: 'stackName',
  removalPolicy: 'removalPolicy',
  pollIntervalMinutes: 'pollIntervalMinutes',
} as const;

const REMOVAL_POLICIES: Record<string, RemovalPolicy> = {
  retain: RemovalPolicy.RETAIN,
  destroy: RemovalPolicy.DESTROY,
};

export interface AppSettings {
  /** @default 'EnrichJobWatch' */
  readonly stackName: string;
  readonly stackProps: EnrichJobWatchStackProps;
}

/** Reads the stack's overrides from cdk context; anything unset keeps the stack's default. */
export function settingsFromContext(node: Node): AppSettings {
  const read = (key: string): string | undefined => {
    const value: unknown = node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new Error(`context ${key} must be a string or a number (got ${JSON.stringify(value)})`);
    }
    return String(value);
  };

  const stackName = read(CONTEXT_KEYS.stackName) ?? 'EnrichJobWatch';

  const policyName = read(CONTEXT_KEYS.removalPolicy);
  const removalPolicy = policyName === undefined ? undefined : REMOVAL_POLICIES[policyName.toLowerCase()];
  if (policyName !== undefined && removalPolicy === undefined) {
    throw new Error(
      `context ${CONTEXT_KEYS.removalPolicy} must be one of ${Object.keys(REMOVAL_POLICIES).join(', ')} (got "${policyName}")`,
    );
  }

  const minutesText = read(CONTEXT_KEYS.pollIntervalMinutes);
  const minutes = minutesText === undefined ? undefined : Number(minutesText);
  if (minutes !== undefined && !(Number.isInteger(minutes) && minutes >= 1)) {
    throw new Error(
      `context ${CONTEXT_KEYS.pollIntervalMinutes} must be a whole number of minutes >= 1 (got "${String(minutesText)}")`,
    );
  }

  return {
    stackName,
    stackProps: {
      ...(removalPolicy === undefined ? {} : { removalPolicy }),
      ...(minutes === undefined ? {} : { pollInterval: Duration.minutes(minutes) }),
    },
  };
}
