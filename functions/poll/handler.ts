import { loadPollFunctionConfig } from '../core/config.js';
import { createLambdaRuntime } from '../core/lambda-runtime.js';
import { createSnsAlertNotifier, createSnsNotifier, createStatusApi } from '../core/wiring.js';
import { makeHandler } from './make-handler.js';

// Everything below runs once per container (cold start): a bad variable fails the init with its name.
const config = loadPollFunctionConfig(process.env);
const { logger, metrics, tracer, clients, clock, stores, apiKeys } = createLambdaRuntime(config);

/** The scheduled poll Lambda: one tick per EventBridge invocation. */
export const handler = makeHandler({
  jobs: stores.jobs,
  watcherState: stores.watcherState,
  statusApi: createStatusApi(config, apiKeys),
  notifier: createSnsNotifier(clients.sns, config),
  alertNotifier: createSnsAlertNotifier(clients.sns, config),
  log: logger,
  logger,
  metrics,
  tracer,
  clock,
  random: Math.random,
  policy: config.tick,
});
