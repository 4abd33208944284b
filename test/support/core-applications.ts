/**
 * The jobs and webhook applications on the watcher harness: the real adapters on moto (table,
 * topics) and the simulator (status and create endpoints), one fake clock.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { StaticApiKey } from '../../functions/core/adapters/api-key.js';
import { CompanyEnrichJobCreationApi } from '../../functions/core/adapters/companyenrich-job-creation-api.js';
import { HmacWebhookTokens, StaticSecret } from '../../functions/core/adapters/webhook-tokens.js';
import {
  makeJobsApplication,
  type JobsApplicationDeps,
} from '../../functions/core/use-cases/jobs-application.js';
import { makeWebhookApplication, type WebhookDeps } from '../../functions/core/use-cases/webhook-hint.js';
import { createStores } from '../../functions/core/wiring.js';
import { randomUuid, seededRandom } from '../../local/random.js';
import { createJobsTable } from './emulators.js';
import { API_KEY, MINUTE, startWatcher } from './watcher-harness.js';

export const WEBHOOK_SECRET = 'whsec_test_core_applications';
export const WEBHOOK_BASE_URL = 'https://hooks.watcher.test';

/**
 * A watcher with both applications. The jobs table is moto's unless `dynamoDb` names another
 * DynamoDB (dynalite: the only emulator whose conditional writes are atomic under concurrency).
 */
export async function startApplications(options: { seed?: number; dynamoDb?: DynamoDBClient } = {}) {
  const watcher = await startWatcher({ seed: options.seed ?? 21 });
  const client = options.dynamoDb ?? watcher.clients.dynamoDb;
  const tableName = options.dynamoDb ? await createJobsTable(options.dynamoDb) : watcher.tableName;
  const { jobs, watcherState, catalog, submissions } = createStores(client, tableName, watcher.log, {
    retentionMs: watcher.deps.policy.retentionMs,
    clock: watcher.clock,
  });
  const tokens = new HmacWebhookTokens(new StaticSecret(WEBHOOK_SECRET), WEBHOOK_BASE_URL);
  const idRandom = seededRandom(options.seed ?? 21);
  const jobsDeps: JobsApplicationDeps = {
    jobs,
    catalog,
    submissions,
    creation: new CompanyEnrichJobCreationApi({
      baseUrl: watcher.simulatorUrl,
      apiKeys: new StaticApiKey(API_KEY),
      timeoutMs: 2_000,
    }),
    tokens,
    clock: watcher.clock,
    log: watcher.log,
    newId: () => randomUuid(idRandom),
    reservationMs: MINUTE,
  };
  const webhookDeps: WebhookDeps = {
    ...watcher.deps,
    jobs,
    watcherState,
    tokens,
    submissions,
    catalog,
    hintWindowMs: MINUTE,
  };
  return {
    ...watcher,
    store: jobs,
    watcherState,
    /** One poll tick on this table, at the clock's time. */
    tick: () => watcher.tick({ jobs, watcherState }),
    catalog,
    submissions,
    tokens,
    jobsDeps,
    webhookDeps,
    jobsApp: (overrides: Partial<JobsApplicationDeps> = {}) =>
      makeJobsApplication({ ...jobsDeps, ...overrides }),
    webhookApp: (overrides: Partial<WebhookDeps> = {}) =>
      makeWebhookApplication({ ...webhookDeps, ...overrides }),
    /** POST requests the simulator received (job creations). */
    creates: () => watcher.simulator.requests.filter((request) => request.method === 'POST').length,
  };
}

export type Applications = Awaited<ReturnType<typeof startApplications>>;
