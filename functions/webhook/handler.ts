import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { loadWebhookFunctionConfig } from '../core/config.js';
import {
  createApiKeyProvider,
  createAwsClients,
  createSnsNotifier,
  createStatusApi,
  createStores,
  createWebhookApplication,
  createWebhookTokens,
} from '../core/wiring.js';
import { makeWebhookHandler } from './make-handler.js';

// Everything below runs once per container (cold start): a bad variable fails the init with its name.
const config = loadWebhookFunctionConfig(process.env);
// Service name, namespace and log level come from the POWERTOOLS_* variables the stack sets.
const logger = new Logger();
const metrics = new Metrics({ logger });
const tracer = new Tracer();
const clients = createAwsClients();
tracer.captureAWSv3Client(clients.dynamoDb);
tracer.captureAWSv3Client(clients.sns);
tracer.captureAWSv3Client(clients.secretsManager);
const clock = { now: () => new Date() };
const stores = createStores(clients.dynamoDb, config.jobsTableName, logger, {
  retentionMs: config.tick.retentionMs,
  clock,
});
const apiKeys = createApiKeyProvider(
  config.apiKeySource,
  process.env,
  config.apiKeyCacheSeconds,
  clients.secretsManager,
);

/** The webhook Lambda: CompanyEnrich's completion callback, taken as a hint to check one job. */
export const handler = makeWebhookHandler({
  webhooks: createWebhookApplication({
    jobs: stores.jobs,
    watcherState: stores.watcherState,
    statusApi: createStatusApi(config, apiKeys),
    notifier: createSnsNotifier(clients.sns, config),
    tokens: createWebhookTokens(config, { secretsManager: clients.secretsManager }),
    submissions: stores.submissions,
    catalog: stores.catalog,
    log: logger,
    clock,
    random: Math.random,
    policy: config.tick,
  }),
  logger,
  metrics,
  tracer,
});
