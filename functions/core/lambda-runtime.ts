/**
 * What every Lambda of the watcher sets up once per container (cold start): the Powertools
 * logger, the SDK clients, the stores on the jobs table, and the API key provider.
 * The three handlers (poll, api, webhook) only add what is their own.
 *
 * No Powertools Tracer: it brought the X-Ray SDK (aws-xray-sdk-core, semver, cls-hooked: about
 * 120 KB minified, a quarter of the poll bundle once zod/mini replaced zod) for one subsegment
 * per AWS call, 10,000+ per busy tick. Active tracing stays on in the stack, so each invocation
 * still has its X-Ray trace (init, invocation, overhead); the calls are in the logs and metrics.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { ApiKeySource, WatcherConfig } from './config.js';
import { createApiKeyProvider, createAwsClients, createStores } from './wiring.js';

/** The configuration every function has: a table and an API key source (validated at cold start). */
export type LambdaConfig = WatcherConfig & { jobsTableName: string; apiKeySource: ApiKeySource };

/**
 * Builds the shared cold-start pieces. Service name, namespace and log level come from the
 * POWERTOOLS_* variables the stack sets.
 */
export function createLambdaRuntime(config: LambdaConfig, env: NodeJS.ProcessEnv = process.env) {
  const logger = new Logger();
  const clients = createAwsClients();
  const clock = { now: () => new Date() };
  const stores = createStores(clients.dynamoDb, config.jobsTableName, logger, {
    retentionMs: config.tick.retentionMs,
    clock,
  });
  const apiKeys = createApiKeyProvider(
    config.apiKeySource,
    env,
    config.apiKeyCacheSeconds,
    clients.secretsManager,
  );
  return { logger, clients, clock, stores, apiKeys };
}
