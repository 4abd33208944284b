/**
 * Bounds on every AWS SDK call the functions make, and the typed error a call that ran out of
 * them becomes. Without these the SDK waits forever on a connection that was accepted and never
 * answered, and one hung DynamoDB or SNS call eats the Lambda's whole timeout.
 */
import { WatcherError } from '../domain/errors.js';
import type { CallOptions } from '../ports.js';

/** The limits of one SDK client: per attempt, and how many attempts. */
export interface AwsClientBounds {
  /** Time to open the TCP/TLS connection. */
  readonly connectionTimeoutMs: number;
  /** Time from sending the request to the end of the answer, per attempt. */
  readonly requestTimeoutMs: number;
  /** Attempts in all (the SDK retries throttling, 5xx and timeouts with jittered backoff). */
  readonly maxAttempts: number;
}

/**
 * DynamoDB answers single-item calls in milliseconds: 2 s is a hung call, not a slow one. Three
 * attempts, because its throttling errors are worth one more try inside the same tick.
 * SNS Publish and Secrets Manager get longer per attempt and one retry: a timed-out publish
 * stays owed and a timed-out key read skips the tick, so a second retry would only eat the
 * time the rest of the tick needs.
 */
export const AWS_CLIENT_BOUNDS = {
  dynamoDb: { connectionTimeoutMs: 1_000, requestTimeoutMs: 2_000, maxAttempts: 3 },
  sns: { connectionTimeoutMs: 1_000, requestTimeoutMs: 3_000, maxAttempts: 2 },
  secretsManager: { connectionTimeoutMs: 1_000, requestTimeoutMs: 3_000, maxAttempts: 2 },
} as const satisfies Record<string, AwsClientBounds>;

/**
 * The longest one call can take under `bounds`: every attempt running to both timeouts, plus
 * the SDK's backoff between attempts (at most 20 s each by its own cap, but well under a second
 * for the few attempts allowed here; one second per retry is kept as a margin).
 */
export function worstCaseCallMs(bounds: AwsClientBounds): number {
  return (
    bounds.maxAttempts * (bounds.connectionTimeoutMs + bounds.requestTimeoutMs) +
    (bounds.maxAttempts - 1) * 1_000
  );
}

/** SDK client configuration for `bounds` (the SDK builds its `NodeHttpHandler` from it). */
export function boundedClientConfig(bounds: AwsClientBounds) {
  return {
    maxAttempts: bounds.maxAttempts,
    requestHandler: {
      connectionTimeout: bounds.connectionTimeoutMs,
      requestTimeout: bounds.requestTimeoutMs,
      // Without it a request past its timeout is only logged as a warning, and still waited for.
      throwOnRequestTimeout: true,
    },
  };
}

/** Why an AWS call was given up. */
export const AwsCallFailure = {
  /** Every attempt ran out of time (connection or request timeout). */
  Timeout: 'timeout',
  /** The caller's signal aborted it (the tick's deadline, or Ctrl-C in the local run). */
  Aborted: 'aborted',
} as const;

export type AwsCallFailure = (typeof AwsCallFailure)[keyof typeof AwsCallFailure];

/** An AWS call given up on, unanswered: its outcome is unknown (a write may or may not have landed). */
export class AwsCallError extends WatcherError {
  override name = 'AwsCallError';
  constructor(
    readonly service: string,
    readonly failure: AwsCallFailure,
    options?: ErrorOptions,
  ) {
    super(
      failure === AwsCallFailure.Timeout
        ? `${service} did not answer in time`
        : `${service} call aborted before it was answered`,
      options,
    );
  }
}

/**
 * What a failed SDK call means to the caller: a timeout or an abort becomes an
 * {@link AwsCallError}; anything else (a refused condition, throttling the SDK gave up on, an
 * access error) is returned as it was, for the caller's own mapping.
 */
export function asAwsCallError(service: string, error: unknown, signal?: AbortSignal): unknown {
  if (error instanceof AwsCallError) return error;
  if (signal?.aborted || (error instanceof Error && error.name === 'AbortError')) {
    return new AwsCallError(service, AwsCallFailure.Aborted, { cause: error });
  }
  if (error instanceof Error && error.name === 'TimeoutError') {
    return new AwsCallError(service, AwsCallFailure.Timeout, { cause: error });
  }
  return error;
}

/** The SDK's `send` options for `options` (the SDK calls the signal `abortSignal`). */
export function sendOptions(options: CallOptions | undefined): { abortSignal?: AbortSignal } {
  return options?.signal ? { abortSignal: options.signal } : {};
}
