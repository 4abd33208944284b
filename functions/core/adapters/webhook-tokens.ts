import { createHmac, timingSafeEqual } from 'node:crypto';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { ConfigError } from '../domain/errors.js';
import type { WebhookTokens } from '../ports.js';

/** Supplies the secret keying the webhook tokens. Implementations never log or echo it. */
export interface SecretSource {
  getSecret(): Promise<string>;
}

/** A secret given directly: the local run and tests. */
export class StaticSecret implements SecretSource {
  constructor(private readonly secret: string) {
    if (secret.trim() === '') throw new ConfigError('The webhook secret must not be empty');
  }

  getSecret(): Promise<string> {
    return Promise.resolve(this.secret);
  }
}

/**
 * The secret from Secrets Manager, cached across invocations for `maxAgeSeconds` by Powertools
 * Parameters (one GetSecretValue per container per cache period, not one per callback).
 */
export class SecretsManagerSecret implements SecretSource {
  constructor(
    private readonly secretId: string,
    private readonly maxAgeSeconds: number,
    private readonly provider: SecretsProvider = new SecretsProvider(),
  ) {}

  async getSecret(): Promise<string> {
    const value = await this.provider.get(this.secretId, { maxAge: this.maxAgeSeconds });
    if (typeof value !== 'string' || value.trim() === '') {
      throw new ConfigError(`The webhook secret ${this.secretId} has no string value`);
    }
    return value;
  }
}

/** The path the webhook route serves, before the id and the token. */
export const WEBHOOK_PATH_PREFIX = '/hooks/companyenrich';
/** base64url of a SHA-256 HMAC, unpadded. */
export const WEBHOOK_TOKEN_LENGTH = 43;

/**
 * Webhook URLs and their check: the token is base64url(HMAC-SHA256(secret, lower-case id)),
 * compared in constant time. The id is the watcher's submission id (see `SubmitResult`), the
 * only id known before CompanyEnrich creates the job.
 */
export class HmacWebhookTokens implements WebhookTokens {
  /**
   * @param baseUrl - the HTTP API's public URL without a trailing slash; null: no webhook URL is
   *   given to CompanyEnrich (tokens can still be verified).
   */
  constructor(
    private readonly secrets: SecretSource,
    private readonly baseUrl: string | null,
  ) {}

  async urlFor(id: string): Promise<string | null> {
    if (this.baseUrl === null) return null;
    const token = await this.tokenFor(id);
    return `${this.baseUrl}${WEBHOOK_PATH_PREFIX}/${encodeURIComponent(id.toLowerCase())}/${token}`;
  }

  async verify(id: string, token: string): Promise<boolean> {
    const presented = Buffer.from(token, 'utf8');
    // Only the length can leak, and every real token has the same one.
    if (presented.length !== WEBHOOK_TOKEN_LENGTH) return false;
    const expected = Buffer.from(await this.tokenFor(id), 'utf8');
    return timingSafeEqual(presented, expected);
  }

  private async tokenFor(id: string): Promise<string> {
    const secret = await this.secrets.getSecret();
    return createHmac('sha256', secret).update(id.toLowerCase(), 'utf8').digest('base64url');
  }
}
