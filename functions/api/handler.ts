import { loadApiFunctionConfig } from '../core/config.js';
import { createLambdaRuntime } from '../core/lambda-runtime.js';
import { createJobCreationApi, createJobsApplication, createWebhookTokens } from '../core/wiring.js';
import { makeApiHandler } from './make-handler.js';

// Everything below runs once per container (cold start): a bad variable fails the init with its name.
const config = loadApiFunctionConfig(process.env);
const { logger, clients, clock, stores, apiKeys } = createLambdaRuntime(config);

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
});
