import { CreateSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { describe, expect, it } from 'vitest';
import { SecretsManagerSecret } from '../../functions/core/adapters/webhook-tokens.js';
import { ConfigError } from '../../functions/core/domain/errors.js';
import { motoClients, uniqueName } from '../support/emulators.js';

describe('SecretsManagerSecret on moto', () => {
  const { secretsManager } = motoClients();
  const provider = () => new SecretsProvider({ awsSdkV3Client: secretsManager });

  it('reads the secret once per cache period', async () => {
    const name = uniqueName('webhook-secret');
    await secretsManager.send(new CreateSecretCommand({ Name: name, SecretString: 'first-secret' }));
    const cached = new SecretsManagerSecret(name, 300, provider());
    await expect(cached.getSecret()).resolves.toBe('first-secret');
    await secretsManager.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'second-secret' }));
    await expect(cached.getSecret()).resolves.toBe('first-secret');
    const uncached = new SecretsManagerSecret(name, 0, provider());
    await expect(uncached.getSecret()).resolves.toBe('second-secret');
  });

  it('refuses an empty secret, naming it but not echoing a value', async () => {
    const name = uniqueName('webhook-secret');
    await secretsManager.send(new CreateSecretCommand({ Name: name, SecretString: '   ' }));
    const empty = new SecretsManagerSecret(name, 0, provider());
    await expect(empty.getSecret()).rejects.toThrow(ConfigError);
    await expect(empty.getSecret()).rejects.toThrow(`The webhook secret ${name} has no string value`);
  });
});
