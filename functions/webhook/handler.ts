import { loadWebhookFunctionConfig } from '../core/config.js';
import { createLambdaRuntime } from '../core/lambda-runtime.js';
import { makeWebhookHandler } from './make-handler.js';
import { webhookHandlerDeps } from './production-deps.js';

// Everything below runs once per container (cold start): a bad variable fails the init with its name.
const config = loadWebhookFunctionConfig(process.env);

/** The webhook Lambda: CompanyEnrich's completion callback, taken as a hint to check one job. */
export const handler = makeWebhookHandler(webhookHandlerDeps(config, createLambdaRuntime(config)));
