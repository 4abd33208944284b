import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerApiKey, StaticApiKey, type ApiKeyProvider } from './adapters/api-key.js';
import { CompanyEnrichStatusApi } from './adapters/companyenrich-status-api.js';
import { SnsNotifier } from './adapters/sns-notifier.js';
import type { ApiKeySource, WatcherConfig } from './config.js';
import { ConfigError } from './domain/errors.js';

// The stores have their own module so that the CLI's `track` and `list` can build them without
// loading SNS, Secrets Manager and Powertools.
export { createStores, documentClient, type StoreOptions, type Stores } from './adapters/dynamodb/stores.js';

/**
 * The SDK clients, configured the standard way: region, credentials and endpoints come from the
 * environment (`AWS_REGION`, `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_DYNAMODB`, ...), so the same
 * code runs against AWS, moto or dynalite. Create once per process and reuse.
 */
export function createAwsClients(): {
  dynamoDb: DynamoDBClient;
  sns: SNSClient;
  secretsManager: SecretsManagerClient;
} {
  return {
    dynamoDb: new DynamoDBClient({}),
    sns: new SNSClient({}),
    secretsManager: new SecretsManagerClient({}),
  };
}

/** The key provider for a configured source; the env is read here so the key never enters the config object. */
export function createApiKeyProvider(
  source: ApiKeySource,
  env: NodeJS.ProcessEnv,
  cacheSeconds: number,
  secretsManager?: SecretsManagerClient,
): ApiKeyProvider {
  if (source.kind === 'secret') {
    const provider = new SecretsProvider(secretsManager ? { awsSdkV3Client: secretsManager } : {});
    return new SecretsManagerApiKey(source.secretId, cacheSeconds, provider);
  }
  const key = env[source.variable]?.trim();
  if (!key) throw new ConfigError(`${source.variable} is empty`);
  return new StaticApiKey(key);
}

/** The status API adapter for a validated configuration. */
export function createStatusApi(config: WatcherConfig, apiKeys: ApiKeyProvider): CompanyEnrichStatusApi {
  return new CompanyEnrichStatusApi({
    baseUrl: config.apiBaseUrl,
    apiKeys,
    timeoutMs: config.tick.requestTimeoutMs,
  });
}

/** The SNS notifier for the configured channel topics. */
export function createSnsNotifier(client: SNSClient, config: WatcherConfig): SnsNotifier {
  if (Object.keys(config.topics).length === 0) {
    throw new ConfigError(
      'Set EVENTS_TOPIC_ARN (and optionally EMAIL_TOPIC_ARN, SMS_TOPIC_ARN) to publish to SNS',
    );
  }
  return new SnsNotifier(client, config.topics);
}
