/**
 * What every Lambda of the watcher sets up once per container (cold start): the Powertools
 * singletons, the SDK clients (traced), the stores on the jobs table, and the API key provider.
 * The three handlers (poll, api, webhook) only add what is their own.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Tracer } from '@aws-lambda-powertools/tracer';
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
  const tracer = new Tracer();
  const clients = createAwsClients();
  tracer.captureAWSv3Client(clients.dynamoDb);
  tracer.captureAWSv3Client(clients.sns);
  tracer.captureAWSv3Client(clients.secretsManager);
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
  return { logger, tracer, clients, clock, stores, apiKeys };
}
