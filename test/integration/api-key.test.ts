import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretsManagerApiKey } from '../../functions/core/adapters/api-key.js';
import { ApiKeyUnreadableError } from '../../functions/core/domain/errors.js';
import { motoClients, uniqueName } from '../support/emulators.js';
import { SecretsManagerStub, type SecretsStubAnswer } from '../support/secrets-stub.js';

/** What reading the key failed with (the test fails if it did not fail). */
async function readFailure(keys: SecretsManagerApiKey): Promise<ApiKeyUnreadableError> {
  const error = await keys.getKey().then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApiKeyUnreadableError);
  return error as ApiKeyUnreadableError;
}

describe('SecretsManagerApiKey: a missing key is an incident, a passing failure is not', () => {
  const { secretsManager } = motoClients();
  const stub = new SecretsManagerStub();
  let stubUrl: string;

  beforeAll(async () => {
    stubUrl = await stub.start();
  });
  afterAll(async () => {
    await stub.stop();
  });

  const fromStub = (requestTimeoutMs?: number) =>
    new SecretsManagerApiKey(
      'enrich-job-watch/api-key',
      0,
      new SecretsProvider({ awsSdkV3Client: stub.client(stubUrl, requestTimeoutMs) }),
    );

  it('reads the key from moto, and calls a secret that does not exist unavailable (not transient)', async () => {
    const name = uniqueName('api-key');
    const provider = () => new SecretsProvider({ awsSdkV3Client: secretsManager });
    const missing = await readFailure(new SecretsManagerApiKey(name, 0, provider()));
    expect(missing.transient).toBe(false);
    expect(missing.message).toContain(name);

    await secretsManager.send(
      new CreateSecretCommand({ Name: name, SecretString: '{"apiKey":"ce_live_1"}' }),
    );
    await expect(new SecretsManagerApiKey(name, 0, provider()).getKey()).resolves.toBe('ce_live_1');
  });

  it.each<[string, SecretsStubAnswer]>([
    ['access denied', { kind: 'error', status: 400, type: 'AccessDeniedException' }],
    ['a secret scheduled for deletion', { kind: 'error', status: 400, type: 'InvalidRequestException' }],
    ['a key KMS cannot decrypt', { kind: 'error', status: 400, type: 'DecryptionFailure' }],
    ['an empty value', { kind: 'secret', value: '   ' }],
    ['JSON without a key field', { kind: 'secret', value: '{"other":"x"}' }],
  ])('calls %s unavailable: an operator must act', async (_, answer) => {
    stub.answer = answer;
    expect((await readFailure(fromStub())).transient).toBe(false);
  });

  it.each<[string, SecretsStubAnswer]>([
    ['throttling', { kind: 'error', status: 400, type: 'ThrottlingException' }],
    ['an internal error', { kind: 'error', status: 500, type: 'InternalServiceError' }],
    ['a bare 503', { kind: 'error', status: 503 }],
    ['no answer within the request timeout', { kind: 'hang' }],
  ])('calls %s transient: the next tick tries again', async (_, answer) => {
    stub.answer = answer;
    const failure = await readFailure(fromStub(200));
    expect(failure.transient).toBe(true);
    expect(failure.cause).toBeDefined();
  });

  it('calls an unreachable endpoint transient', async () => {
    const unreachable = new SecretsManagerApiKey(
      'enrich-job-watch/api-key',
      0,
      new SecretsProvider({ awsSdkV3Client: stub.client('http://127.0.0.1:9') }),
    );
    expect((await readFailure(unreachable)).transient).toBe(true);
  });
});
