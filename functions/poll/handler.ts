import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { loadPollFunctionConfig } from '../core/config.js';
import {
  createApiKeyProvider,
  createAwsClients,
  createJobStore,
  createSnsNotifier,
  createStatusApi,
} from '../core/wiring.js';
import { makeHandler } from './make-handler.js';

// Everything below runs once per container (cold start): a bad variable fails the init with its name.
const config = loadPollFunctionConfig(process.env);
const logger = new Logger({ serviceName: 'enrich-job-watch' });
const metrics = new Metrics({ namespace: 'EnrichJobWatch', serviceName: 'enrich-job-watch' });
const tracer = new Tracer({ serviceName: 'enrich-job-watch' });
const clients = createAwsClients();
tracer.captureAWSv3Client(clients.dynamoDb);
tracer.captureAWSv3Client(clients.sns);
const store = createJobStore(clients.dynamoDb, config.jobsTableName);
const apiKeys = createApiKeyProvider(config.apiKeySource, process.env, config.apiKeyCacheSeconds);

/** The scheduled poll Lambda: one tick per EventBridge invocation. */
export const handler = makeHandler({
  jobs: store,
  watcherState: store,
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
