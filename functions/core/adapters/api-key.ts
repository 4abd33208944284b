import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { ConfigError } from '../domain/errors.js';

/** Supplies the CompanyEnrich API key. Implementations never log or echo it. */
export interface ApiKeyProvider {
  getKey(): Promise<string>;
  /** Forget any cached key (after a 401: it may have been rotated). */
  invalidate(): void;
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

  async getKey(): Promise<string> {
    const forceFetch = this.forceFetch;
    const value = await this.provider.get(this.secretId, { maxAge: this.maxAgeSeconds, forceFetch });
    this.forceFetch = false;
    if (typeof value !== 'string' || value.trim() === '') {
      throw new ConfigError(
        `The API-key secret ${this.secretId} has no string value; store the key with the stack's SetApiKeyCommand output`,
      );
    }
    return extractApiKey(value);
  }

  invalidate(): void {
    this.forceFetch = true;
  }
}
