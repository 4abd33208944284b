/**
 * The core's application interfaces, wired for the CLI: `JobsApplication` for `submit`, `show`
 * and `untrack`, and `WebhookApplication` for the webhook route `start` serves. The same use
 * cases as the HTTP API and the webhook function, over the store, API and notifier
 * `environment.ts` opens.
 *
 * Webhook URLs: with a table (AWS mode) they come from WEBHOOK_BASE_URL and the secret in
 * WEBHOOK_SECRET_ARN, as in the deployed API; in local mode from the running `start` (its route
 * on loopback, announced in the data folder) and the data folder's key, and only when the jobs
 * are created at a simulator, which can reach loopback.
 */
import { randomUUID } from 'node:crypto';
import type { JobsApplication, WebhookApplication } from '../functions/core/application.js';
import type { WebhookTokens } from '../functions/core/ports.js';
import type { PollTickDeps } from '../functions/core/use-cases/poll-tick.js';
import { readRunningInstance } from '../local/home.js';
import { localWebhookSecret } from '../local/webhook-secret.js';
import type { CliContext } from './context.js';
import { openJobStore, openStatusApi, type OpenedStatusApi, type OpenedStore } from './environment.js';
import type { Resources } from './resources.js';

/** True for http(s)://127.x / localhost / [::1] URLs: a simulator, not CompanyEnrich. */
export function isLoopbackUrl(url: string): boolean {
  const { hostname } = new URL(url);
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * The webhook tokens: with a table, the deployment's secret and WEBHOOK_BASE_URL; in local mode
 * the data folder's key, with `localBaseUrl` (the running start's route, or none).
 */
export async function webhookTokens(
  context: CliContext,
  localBaseUrl: string | null,
): Promise<WebhookTokens> {
  const [{ createWebhookTokens }, { StaticSecret }] = await Promise.all([
    import('../functions/core/wiring.js'),
    import('../functions/core/adapters/webhook-tokens.js'),
  ]);
  const { config } = context;
  if (config.jobsTableName) return createWebhookTokens(config);
  const local = { ...config, webhook: { ...config.webhook, baseUrl: localBaseUrl } };
  return createWebhookTokens(local, { secret: new StaticSecret(await localWebhookSecret(context.home)) });
}

/** The base URL a local `submit` gives CompanyEnrich: the running start's route, if it can be reached. */
async function localWebhookBaseUrl(context: CliContext, api: OpenedStatusApi): Promise<string | null> {
  if (context.config.jobsTableName || !isLoopbackUrl(api.apiBaseUrl)) return null;
  return (await readRunningInstance(context.home))?.webhookBaseUrl ?? null;
}

/** Reads and untracks only: whatever would create a job is refused, and never loaded. */
const NO_CREATION = {
  createJob: (): never => {
    throw new Error('This command does not create jobs');
  },
};
const NO_TOKENS: WebhookTokens = {
  urlFor: () => Promise.resolve(null),
  verify: () => Promise.resolve(false),
};

/**
 * Opens the jobs application. `submit: false` (show, untrack) opens only the store: no API, no
 * simulator, no secrets, no SDK beyond DynamoDB are loaded.
 */
export async function openJobsApplication(
  context: CliContext,
  resources: Resources,
  needs: { submit: boolean },
): Promise<JobsApplication> {
  const store = await openJobStore(context, 'command', resources);
  const ports = { jobs: store.store, catalog: store.catalog, submissions: store.submissions };
  const clock = { now: () => new Date() };
  if (!needs.submit) {
    const { makeJobsApplication } = await import('../functions/core/use-cases/jobs-application.js');
    return makeJobsApplication({
      ...ports,
      creation: NO_CREATION,
      tokens: NO_TOKENS,
      clock,
      log: context.log,
      newId: () => randomUUID(),
      reservationMs: 0,
    });
  }
  // A simulator hosted here (no start running) must save the job it creates.
  const api = await openStatusApi(context, 'command', resources, { persist: true });
  const { createJobCreationApi, createJobsApplication } = await import('../functions/core/wiring.js');
  return createJobsApplication(context.config, {
    ...ports,
    creation: createJobCreationApi({ ...context.config, apiBaseUrl: api.apiBaseUrl }, api.apiKeys),
    tokens: await webhookTokens(context, await localWebhookBaseUrl(context, api)),
    clock,
    log: context.log,
  });
}

/** The webhook application of the local run, over the run's own store, API and notifier. */
export async function createWebhookApplication(parts: {
  opened: OpenedStore;
  /** The run's tick dependencies (its job store wrapped, so a hint's transitions are printed). */
  tick: PollTickDeps;
  tokens: WebhookTokens;
}): Promise<WebhookApplication> {
  const { createWebhookApplication: create } = await import('../functions/core/wiring.js');
  return create({
    ...parts.tick,
    tokens: parts.tokens,
    submissions: parts.opened.submissions,
    catalog: parts.opened.catalog,
  });
}
