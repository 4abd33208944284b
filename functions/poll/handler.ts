import { loadPollFunctionConfig } from '../core/config.js';
import { createLambdaRuntime } from '../core/lambda-runtime.js';
import { makeHandler } from './make-handler.js';
import { pollHandlerDeps } from './production-deps.js';

// Everything below runs once per container (cold start): a bad variable fails the init with its name.
const config = loadPollFunctionConfig(process.env);

/** The scheduled poll Lambda: one tick per EventBridge invocation. */
export const handler = makeHandler(pollHandlerDeps(config, createLambdaRuntime(config)));
