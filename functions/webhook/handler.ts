import { loadWebhookFunctionConfig } from '../core/config.js';
import { createLambdaRuntime } from '../core/lambda-runtime.js';
import {
  createSnsAlertNotifier,
  createSnsNotifier,
  createStatusApi,
  createWebhookApplication,
  createWebhookTokens,
} from '../core/wiring.js';
import { makeWebhookHandler } from './make-handler.js';

// Everything below runs once per container (cold start): a bad variable fails the init with its name.
const config = loadWebhookFunctionConfig(process.env);
const { logger, metrics, tracer, clients, clock, stores, apiKeys } = createLambdaRuntime(config);

/** The webhook Lambda: CompanyEnrich's completion callback, taken as a hint to check one job. */
export const handler = makeWebhookHandler({
  webhooks: createWebhookApplication({
    jobs: stores.jobs,
    watcherState: stores.watcherState,
    statusApi: createStatusApi(config, apiKeys),
    notifier: createSnsNotifier(clients.sns, config),
    alertNotifier: createSnsAlertNotifier(clients.sns, config),
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
