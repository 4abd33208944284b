import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { loadApiFunctionConfig } from '../core/config.js';
import {
  createApiKeyProvider,
  createAwsClients,
  createJobCreationApi,
  createJobsApplication,
  createStores,
  createWebhookTokens,
} from '../core/wiring.js';
import { makeApiHandler } from './make-handler.js';

// Everything below runs once per container (cold start): a bad variable fails the init with its name.
const config = loadApiFunctionConfig(process.env);
// Service name, namespace and log level come from the POWERTOOLS_* variables the stack sets.
const logger = new Logger();
const metrics = new Metrics({ logger });
const tracer = new Tracer();
const clients = createAwsClients();
tracer.captureAWSv3Client(clients.dynamoDb);
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

/** The HTTP API Lambda: every `/jobs` route (docs/API.md). */
export const handler = makeApiHandler({
  jobs: createJobsApplication(config, {
    jobs: stores.jobs,
    catalog: stores.catalog,
    submissions: stores.submissions,
    creation: createJobCreationApi(config, apiKeys),
    tokens: createWebhookTokens(config, { secretsManager: clients.secretsManager }),
    clock,
    log: logger,
  }),
  logger,
  metrics,
  tracer,
});
