import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultProvider } from '../../functions/core/lambda-credentials.js';

describe('the Lambda bundles’ credential provider (in place of the default chain)', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('gives the execution role’s credentials Lambda puts in the environment', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'ASIAEXAMPLEKEY');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'example-secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'example-session-token');
    await expect(defaultProvider()()).resolves.toMatchObject({
      accessKeyId: 'ASIAEXAMPLEKEY',
      secretAccessKey: 'example-secret',
      sessionToken: 'example-session-token',
    });
  });

  it('fails as the SDK’s chain would when the environment has none, without naming a value', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', '');
    const failure = defaultProvider()();
    await expect(failure).rejects.toMatchObject({ name: 'CredentialsProviderError' });
  });
});
