import type { WebhookFunctionConfig } from '../core/config.js';
import type { createLambdaRuntime } from '../core/lambda-runtime.js';
import {
  createSnsAlertNotifier,
  createSnsNotifier,
  createStatusApi,
  createWebhookApplication,
  createWebhookTokens,
} from '../core/wiring.js';
import type { WebhookHandlerDeps } from './make-handler.js';

/**
 * The webhook function's production dependencies, from its configuration and its cold-start
 * runtime: the deployed handler and the fault suite wire it from this one place.
 */
export function webhookHandlerDeps(
  config: WebhookFunctionConfig,
  runtime: ReturnType<typeof createLambdaRuntime>,
  random: () => number = Math.random,
): WebhookHandlerDeps {
  const { logger, clients, clock, stores, apiKeys } = runtime;
  return {
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
      random,
      policy: config.tick,
    }),
    logger,
  };
}
