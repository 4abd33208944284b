import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  HmacWebhookTokens,
  StaticSecret,
  WEBHOOK_TOKEN_LENGTH,
  type SecretSource,
} from '../../functions/core/adapters/webhook-tokens.js';
import { ConfigError } from '../../functions/core/domain/errors.js';

const SECRET = 'whsec_test_0123456789abcdef';
const ID = '6f1c2a9e-0d7b-4c1e-9a57-3f0e8b2d4c61';
const BASE = 'https://abc123.execute-api.eu-west-1.amazonaws.com';

function tokenOf(url: string | null): string {
  const token = url?.split('/').at(-1);
  if (!token) throw new Error(`no token in ${String(url)}`);
  return token;
}

describe('HmacWebhookTokens', () => {
  const tokens = new HmacWebhookTokens(new StaticSecret(SECRET), BASE);

  it('builds the callback URL with the id and a 43-character base64url HMAC of it', async () => {
    const url = await tokens.urlFor(ID);
    const expected = createHmac('sha256', SECRET).update(ID).digest('base64url');
    expect(url).toBe(`${BASE}/hooks/companyenrich/${ID}/${expected}`);
    expect(tokenOf(url)).toHaveLength(WEBHOOK_TOKEN_LENGTH);
    expect(tokenOf(url)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('verifies the token it issued, whatever the case of the id', async () => {
    const token = tokenOf(await tokens.urlFor(ID.toUpperCase()));
    await expect(tokens.verify(ID, token)).resolves.toBe(true);
    await expect(tokens.verify(ID.toUpperCase(), token)).resolves.toBe(true);
    expect(await tokens.urlFor(ID.toUpperCase())).toBe(await tokens.urlFor(ID));
  });

  it('refuses the token of another id, another secret, or a tampered one', async () => {
    const token = tokenOf(await tokens.urlFor(ID));
    const otherId = '6f1c2a9e-0d7b-4c1e-9a57-3f0e8b2d4c62';
    await expect(tokens.verify(otherId, token)).resolves.toBe(false);
    const otherSecret = new HmacWebhookTokens(new StaticSecret(`${SECRET}x`), BASE);
    await expect(otherSecret.verify(ID, token)).resolves.toBe(false);
    const flipped = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    await expect(tokens.verify(ID, flipped)).resolves.toBe(false);
  });

  it.each(['', 'short', `${'a'.repeat(43)}=`, 'é'.repeat(22), 'x'.repeat(10_000)])(
    'answers false, without throwing, for a token of the wrong length (%#)',
    async (token) => {
      await expect(tokens.verify(ID, token)).resolves.toBe(false);
    },
  );

  it('has no URL without a base URL, but still verifies', async () => {
    const withoutBase = new HmacWebhookTokens(new StaticSecret(SECRET), null);
    await expect(withoutBase.urlFor(ID)).resolves.toBeNull();
    await expect(withoutBase.verify(ID, tokenOf(await tokens.urlFor(ID)))).resolves.toBe(true);
  });

  it('fails closed when the secret cannot be read', async () => {
    const broken: SecretSource = { getSecret: () => Promise.reject(new Error('AccessDenied')) };
    const unreadable = new HmacWebhookTokens(broken, BASE);
    await expect(unreadable.verify(ID, 'a'.repeat(43))).rejects.toThrow('AccessDenied');
    await expect(unreadable.urlFor(ID)).rejects.toThrow('AccessDenied');
  });

  it('refuses an empty static secret', () => {
    expect(() => new StaticSecret('  ')).toThrow(ConfigError);
  });
});
