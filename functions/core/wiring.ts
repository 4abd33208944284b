import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { randomUUID } from 'node:crypto';
import { SecretsManagerApiKey, StaticApiKey, type ApiKeyProvider } from './adapters/api-key.js';
import { AWS_CLIENT_BOUNDS, boundedClientConfig } from './adapters/aws-call.js';
import { CompanyEnrichJobCreationApi } from './adapters/companyenrich-job-creation-api.js';
import { CompanyEnrichStatusApi } from './adapters/companyenrich-status-api.js';
import { SnsNotifier } from './adapters/sns-notifier.js';
import { HmacWebhookTokens, SecretsManagerSecret, type SecretSource } from './adapters/webhook-tokens.js';
import type { JobsApplication, WebhookApplication } from './application.js';
import type { ApiKeySource, WatcherConfig } from './config.js';
import { ConfigError } from './domain/errors.js';
import type { WebhookTokens } from './ports.js';
import { makeJobsApplication, type JobsApplicationDeps } from './use-cases/jobs-application.js';
import {
  DEFAULT_HINT_WINDOW_MS,
  makeWebhookApplication,
  type WebhookDeps,
} from './use-cases/webhook-hint.js';

// The stores have their own module so that the CLI's `track` and `list` can build them without
// loading SNS, Secrets Manager and Powertools.
export { createStores, documentClient, type StoreOptions, type Stores } from './adapters/dynamodb/stores.js';

/**
 * The SDK clients, configured the standard way: region, credentials and endpoints come from the
 * environment (`AWS_REGION`, `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_DYNAMODB`, ...), so the same
 * code runs against AWS, moto or dynalite. `endpoint` overrides them all (tests). Every client
 * has connection and request timeouts and a deliberate number of attempts
 * ({@link AWS_CLIENT_BOUNDS}): a call that hangs fails in seconds instead of eating the
 * function's timeout. Create once per process and reuse.
 */
export function createAwsClients(overrides: { endpoint?: string } = {}): {
  dynamoDb: DynamoDBClient;
  sns: SNSClient;
  secretsManager: SecretsManagerClient;
} {
  return {
    dynamoDb: new DynamoDBClient({ ...boundedClientConfig(AWS_CLIENT_BOUNDS.dynamoDb), ...overrides }),
    sns: new SNSClient({ ...boundedClientConfig(AWS_CLIENT_BOUNDS.sns), ...overrides }),
    secretsManager: new SecretsManagerClient({
      ...boundedClientConfig(AWS_CLIENT_BOUNDS.secretsManager),
      ...overrides,
    }),
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

/**
 * The SNS notifier of account-level alerts: the operator topic (read as email) and the events
 * topic (for automation, `event_type` `watcher.*`); never the job subscribers' email or SMS.
 */
export function createSnsAlertNotifier(client: SNSClient, config: WatcherConfig): SnsNotifier {
  const topics = {
    ...(config.operatorTopicArn ? { operator: config.operatorTopicArn } : {}),
    ...(config.topics.events ? { events: config.topics.events } : {}),
  };
  if (Object.keys(topics).length === 0) {
    throw new ConfigError('Set OPERATOR_TOPIC_ARN (and EVENTS_TOPIC_ARN) to publish operator alerts to SNS');
  }
  return new SnsNotifier(client, topics);
}

/** The job creation adapter: the same key provider as the status adapter, the same timeout. */
export function createJobCreationApi(
  config: WatcherConfig,
  apiKeys: ApiKeyProvider,
): CompanyEnrichJobCreationApi {
  return new CompanyEnrichJobCreationApi({
    baseUrl: config.apiBaseUrl,
    apiKeys,
    timeoutMs: config.tick.requestTimeoutMs,
  });
}

/** Without a webhook secret the fast path is off: no URL is handed out and no token is valid. */
const NO_WEBHOOK: WebhookTokens = {
  urlFor: () => Promise.resolve(null),
  verify: () => Promise.resolve(false),
};

/**
 * The webhook tokens for the configuration: keyed by the Secrets Manager secret (cached like the
 * API key), or by `secret` when given (the local run). Off without either.
 */
export function createWebhookTokens(
  config: WatcherConfig,
  options: { secretsManager?: SecretsManagerClient; secret?: SecretSource } = {},
): WebhookTokens {
  const { secretId, baseUrl } = config.webhook;
  if (options.secret) return new HmacWebhookTokens(options.secret, baseUrl);
  if (secretId === null) return NO_WEBHOOK;
  const provider = new SecretsProvider(
    options.secretsManager ? { awsSdkV3Client: options.secretsManager } : {},
  );
  return new HmacWebhookTokens(
    new SecretsManagerSecret(secretId, config.apiKeyCacheSeconds, provider),
    baseUrl,
  );
}

/**
 * The jobs application (HTTP API and CLI) over built adapters. A reservation outlives a full
 * creation request twice over, so a live submit is never taken over by its own retry.
 */
export function createJobsApplication(
  config: WatcherConfig,
  deps: Omit<JobsApplicationDeps, 'newId' | 'reservationMs'> & Partial<Pick<JobsApplicationDeps, 'newId'>>,
): JobsApplication {
  return makeJobsApplication({
    newId: randomUUID,
    reservationMs: 2 * config.tick.requestTimeoutMs + 10_000,
    ...deps,
  });
}

/** The webhook application over built adapters, with the default hint window. */
export function createWebhookApplication(
  deps: Omit<WebhookDeps, 'hintWindowMs'> & Partial<Pick<WebhookDeps, 'hintWindowMs'>>,
): WebhookApplication {
  return makeWebhookApplication({ hintWindowMs: DEFAULT_HINT_WINDOW_MS, ...deps });
}
