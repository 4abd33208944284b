import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SecretsManagerApiKey, StaticApiKey, type ApiKeyProvider } from './adapters/api-key.js';
import { CompanyEnrichStatusApi } from './adapters/companyenrich-status-api.js';
import { DynamoDbJobStore } from './adapters/dynamodb/job-store.js';
import { DynamoDbWatcherStateStore } from './adapters/dynamodb/watcher-state-store.js';
import { SnsNotifier } from './adapters/sns-notifier.js';
import type { ApiKeySource, WatcherConfig } from './config.js';
import { ConfigError } from './domain/errors.js';
import type { Log } from './ports.js';

/**
 * Wraps a DynamoDB client for plain-object items. `removeUndefinedValues` lets optional fields be
 * left out instead of failing the write.
 */
export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

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

/**
 * The two stores on one jobs table: the jobs, and the account-wide watcher state. `log` hears
 * about stored jobs that cannot be read (they are skipped, not fatal).
 */
export function createStores(
  client: DynamoDBClient,
  tableName: string,
  log: Log,
): { jobs: DynamoDbJobStore; watcherState: DynamoDbWatcherStateStore } {
  const documents = documentClient(client);
  return {
    jobs: new DynamoDbJobStore(documents, tableName, log),
    watcherState: new DynamoDbWatcherStateStore(documents, tableName),
  };
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
