import { Metrics } from '@aws-lambda-powertools/metrics';
import type { PollFunctionConfig } from '../core/config.js';
import type { createLambdaRuntime } from '../core/lambda-runtime.js';
import { createSnsAlertNotifier, createSnsNotifier, createStatusApi } from '../core/wiring.js';
import type { PollHandlerDeps } from './make-handler.js';

/**
 * The poll function's production dependencies, from its configuration and its cold-start
 * runtime. One place, so the deployed handler and the fault suite (which wraps these ports in a
 * kill switch) cannot wire the function differently.
 */
export function pollHandlerDeps(
  config: PollFunctionConfig,
  runtime: ReturnType<typeof createLambdaRuntime>,
  random: () => number = Math.random,
): PollHandlerDeps {
  const { logger, clients, clock, stores, apiKeys } = runtime;
  return {
    jobs: stores.jobs,
    watcherState: stores.watcherState,
    statusApi: createStatusApi(config, apiKeys),
    notifier: createSnsNotifier(clients.sns, config),
    alertNotifier: createSnsAlertNotifier(clients.sns, config),
    log: logger,
    logger,
    // Only the poll function publishes custom metrics (the alarms' series): the others log.
    metrics: new Metrics({ logger }),
    clock,
    random,
    policy: config.tick,
  };
}
