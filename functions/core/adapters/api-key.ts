import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { ApiKeyUnreadableError, ConfigError } from '../domain/errors.js';

/** Supplies the CompanyEnrich API key. Implementations never log or echo it. */
export interface ApiKeyProvider {
  getKey(): Promise<string>;
  /** Forget any cached key, so the next `getKey` reads it afresh (after a 401: it may have been rotated). */
  invalidate(): void;
}

/**
 * Sends a request with the current key and, if it is refused as unauthorized, asks once whether
 * the key was rotated: the cached key is dropped and read again, and only a key that changed gets
 * one more try. So rotating the key in Secrets Manager costs one refused request, never an
 * incident, and a revoked key costs exactly one request.
 *
 * @param readKey - reads the key, throwing the adapter's own error when it cannot be read.
 * @param send - the request; must be safe to repeat after an unauthorized answer.
 * @param isUnauthorized - whether `send` failed with the adapter's unauthorized error.
 */
export async function withKeyRefresh<T>(
  apiKeys: ApiKeyProvider,
  readKey: () => Promise<string>,
  send: (apiKey: string) => Promise<T>,
  isUnauthorized: (error: unknown) => boolean,
): Promise<T> {
  const usedKey = await readKey();
  try {
    return await send(usedKey);
  } catch (error) {
    if (!isUnauthorized(error)) throw error;
    apiKeys.invalidate();
    const freshKey = await readKey();
    if (freshKey === usedKey) throw error;
    return send(freshKey);
  }
}

/** A key given directly (COMPANYENRICH_API_KEY), for local use. */
export class StaticApiKey implements ApiKeyProvider {
  constructor(private readonly key: string) {}

  getKey(): Promise<string> {
    return Promise.resolve(this.key);
  }

  invalidate(): void {
    // Nothing cached: the next call returns the same key, and the incident alert tells the operator.
  }
}

/**
 * Pulls the key out of a secret value: either the bare key, or JSON with an `apiKey`,
 * `api_key` or `COMPANYENRICH_API_KEY` field (what the console's key/value editor produces).
 */
export function extractApiKey(secretValue: string): string {
  const trimmed = secretValue.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed) as Record<string, unknown>;
      for (const field of ['apiKey', 'api_key', 'COMPANYENRICH_API_KEY']) {
        const value = parsed[field];
        if (typeof value === 'string' && value.trim() !== '') return value.trim();
      }
    } catch {
      // Not JSON after all: treat the whole value as the key.
      return trimmed;
    }
    throw new ConfigError(
      'The API-key secret is JSON but has no apiKey, api_key or COMPANYENRICH_API_KEY field',
    );
  }
  return trimmed;
}

/** AWS error names that say "try again later": throttling, an outage, a timeout. */
const TRANSIENT_ERROR_NAMES = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'InternalServiceError',
  'InternalServiceErrorException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Node.js socket and DNS error codes: the request never got an answer. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

/** The fields of an AWS SDK v3 error (or a Node.js socket error) the classification reads. */
interface AwsErrorShape {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  cause?: unknown;
}

/**
 * Whether a failed secret read passes by itself. Powertools wraps the SDK's error in a
 * `GetParameterError` whose `cause` is the SDK error; the SDK error's name, `$fault`,
 * `$retryable` and HTTP status decide. Anything not known to pass (ResourceNotFound,
 * AccessDenied, a KMS decryption failure, a secret scheduled for deletion, missing credentials)
 * needs an operator.
 */
export function isTransientSecretFailure(error: unknown): boolean {
  const outer = (error ?? {}) as AwsErrorShape;
  const sdk = (outer.name === 'GetParameterError' && outer.cause ? outer.cause : outer) as AwsErrorShape;
  const httpStatus = sdk.$metadata?.httpStatusCode;
  const isThrottledOrDown = typeof httpStatus === 'number' && (httpStatus === 429 || httpStatus >= 500);
  const isKnownTransient = typeof sdk.name === 'string' && TRANSIENT_ERROR_NAMES.has(sdk.name);
  const isNetwork = typeof sdk.code === 'string' && NETWORK_ERROR_CODES.has(sdk.code);
  return isThrottledOrDown || isKnownTransient || isNetwork || sdk.$fault === 'server' || !!sdk.$retryable;
}

/**
 * The key from Secrets Manager, cached across invocations for `maxAgeSeconds` by Powertools
 * Parameters (one GetSecretValue per container per cache period, not one per tick).
 */
export class SecretsManagerApiKey implements ApiKeyProvider {
  private forceFetch = false;

  constructor(
    private readonly secretId: string,
    private readonly maxAgeSeconds: number,
    private readonly provider: SecretsProvider = new SecretsProvider(),
  ) {}

  /**
   * @throws ApiKeyUnreadableError - `transient` when Secrets Manager failed in a way that
   *   passes; otherwise the secret is missing, denied, empty or unusable.
   */
  async getKey(): Promise<string> {
    let value: unknown;
    try {
      value = await this.provider.get(this.secretId, {
        maxAge: this.maxAgeSeconds,
        forceFetch: this.forceFetch,
      });
    } catch (error) {
      const transient = isTransientSecretFailure(error);
      const why = transient
        ? 'Secrets Manager failed for now'
        : 'it is missing or not readable by this function';
      throw new ApiKeyUnreadableError(
        `The API-key secret ${this.secretId} could not be read: ${why}`,
        transient,
        {
          cause: error,
        },
      );
    }
    this.forceFetch = false;
    if (typeof value !== 'string' || value.trim() === '') {
      throw new ApiKeyUnreadableError(
        `The API-key secret ${this.secretId} has no string value; store the key with the stack's SetApiKeyCommand output`,
        false,
      );
    }
    try {
      return extractApiKey(value);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new ApiKeyUnreadableError(message, false, { cause: error });
    }
  }

  invalidate(): void {
    this.forceFetch = true;
  }
}
