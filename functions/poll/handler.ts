import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { loadPollFunctionConfig } from '../core/config.js';
import {
  createApiKeyProvider,
  createAwsClients,
  createSnsNotifier,
  createStatusApi,
  createStores,
} from '../core/wiring.js';
import { makeHandler } from './make-handler.js';

// Everything below runs once per container (cold start): a bad variable fails the init with its name.
const config = loadPollFunctionConfig(process.env);
// Service name, namespace and log level come from the POWERTOOLS_* variables the stack sets.
const logger = new Logger();
const metrics = new Metrics();
const tracer = new Tracer();
const clients = createAwsClients();
tracer.captureAWSv3Client(clients.dynamoDb);
tracer.captureAWSv3Client(clients.sns);
tracer.captureAWSv3Client(clients.secretsManager);
const { jobs, watcherState } = createStores(clients.dynamoDb, config.jobsTableName, logger);
const apiKeys = createApiKeyProvider(
  config.apiKeySource,
  process.env,
  config.apiKeyCacheSeconds,
  clients.secretsManager,
);

/** The scheduled poll Lambda: one tick per EventBridge invocation. */
export const handler = makeHandler({
  jobs,
  watcherState,
  statusApi: createStatusApi(config, apiKeys),
  notifier: createSnsNotifier(clients.sns, config),
  log: logger,
  logger,
  metrics,
  tracer,
  clock: { now: () => new Date() },
  random: Math.random,
  policy: config.tick,
});
