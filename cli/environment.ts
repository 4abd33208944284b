/**
 * Resolves the store, the status API and the notifier every command uses, from validated config.
 * This is the only place that decides between AWS and the local run:
 *
 * - `JOBS_TABLE_NAME` set: the table through the standard AWS configuration (region, credentials,
 *   `AWS_ENDPOINT_URL`), via the same wiring as the Lambda.
 * - otherwise the embedded store in the data folder. While `start` runs it holds that store, so
 *   other commands attach to it through the endpoints it announces in the folder.
 *
 * Likewise the API: a configured key means the real CompanyEnrich API; no key (local mode only)
 * means the simulator, the running `start`'s or one booted in-process from the saved plans.
 *
 * The status API, the simulator, Secrets Manager and SNS are imported only on the paths that use
 * them: `track` and `list` never load them, which keeps those commands quick to start.
 */
import { mkdir } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AWS_CLIENT_BOUNDS, boundedClientConfig } from '../functions/core/adapters/aws-call.js';
import { createStores } from '../functions/core/adapters/dynamodb/stores.js';
import { WatcherError } from '../functions/core/domain/errors.js';
import type {
  JobCatalog,
  JobStore,
  Notifier,
  StatusApi,
  SubmissionLookup,
  SubmissionStore,
  WatcherStateStore,
} from '../functions/core/ports.js';
import { ConsoleNotifier, DeliverAndShowNotifier } from '../local/console-notifier.js';
import {
  embeddedDynamoDbClient,
  ensureJobsTable,
  LOCAL_TABLE_NAME,
  LocalStoreBusyError,
  startEmbeddedDynamoDb,
} from '../local/embedded-dynamodb.js';
import { homePaths, readRunningInstance } from '../local/home.js';
import type { HostedSimulator } from '../local/simulator-host.js';
import type { WebhookDelivery } from '../local/simulator/index.js';
import type { ApiKeyProvider } from '../functions/core/adapters/api-key.js';
import type { CliContext } from './context.js';
import type { Resources } from './resources.js';

/** Who is asking: a one-shot command, or `start`, which owns the data folder while it runs. */
export type Role = 'command' | 'local-run';

/** The job store plus a line saying where it is. */
export interface OpenedStore {
  store: JobStore;
  watcherState: WatcherStateStore;
  catalog: JobCatalog;
  submissions: SubmissionStore & SubmissionLookup;
  description: string;
  /** The endpoint of the embedded DynamoDB this process serves (only for `start` in local mode). */
  servedEndpoint: string | null;
}

/** A client destroyed with `resources`. */
function closing<T extends { destroy(): void }>(client: T, what: string, resources: Resources): T {
  resources.add(what, () => {
    client.destroy();
    return Promise.resolve();
  });
  return client;
}

function storeOptions(context: CliContext): { retentionMs: number | null } {
  return { retentionMs: context.config.tick.retentionMs };
}

/** How long a command waits for another short command to release the data folder. */
const BUSY_FOLDER_WAIT_MS = 5_000;

async function openLocalFolder(context: CliContext, resources: Resources): Promise<OpenedStore> {
  const folder = homePaths(context.home).dynamoDb;
  await mkdir(context.home, { recursive: true });
  const embedded = await startEmbeddedDynamoDb(folder);
  resources.add('the embedded DynamoDB', () => embedded.close());
  for (const table of embedded.repairedTables) {
    context.log.warn(
      `The local store's table ${table} was left half-created by a stopped process; it is created afresh (it held no data)`,
    );
  }
  const client = closing(embeddedDynamoDbClient(embedded.endpoint), 'the DynamoDB client', resources);
  await ensureJobsTable(client, LOCAL_TABLE_NAME, {
    backupFile: homePaths(context.home).storeBackup,
    report: (message) => {
      context.log.warn(message);
    },
  });
  const { jobs, ...stores } = createStores(client, LOCAL_TABLE_NAME, context.log, storeOptions(context));
  return {
    store: jobs,
    ...stores,
    description: `embedded DynamoDB in ${folder}`,
    servedEndpoint: embedded.endpoint,
  };
}

function attachToRunning(
  endpoint: string,
  pid: number,
  context: CliContext,
  resources: Resources,
): OpenedStore {
  const client = closing(embeddedDynamoDbClient(endpoint), 'the DynamoDB client', resources);
  const { jobs, ...stores } = createStores(client, LOCAL_TABLE_NAME, context.log, storeOptions(context));
  return {
    store: jobs,
    ...stores,
    description: `the local store of the running start (pid ${pid})`,
    servedEndpoint: null,
  };
}

/**
 * Opens the job store: the configured table, or the local run's embedded store.
 *
 * @throws WatcherError when the data folder stays busy (another process has it open).
 */
export async function openJobStore(
  context: CliContext,
  role: Role,
  resources: Resources,
): Promise<OpenedStore> {
  const { config } = context;
  if (config.jobsTableName) {
    const client = closing(
      new DynamoDBClient(boundedClientConfig(AWS_CLIENT_BOUNDS.dynamoDb)),
      'the DynamoDB client',
      resources,
    );
    const { jobs, ...stores } = createStores(
      client,
      config.jobsTableName,
      context.log,
      storeOptions(context),
    );
    return {
      store: jobs,
      ...stores,
      description: `DynamoDB table ${config.jobsTableName} (standard AWS configuration)`,
      servedEndpoint: null,
    };
  }
  const giveUpAt = Date.now() + BUSY_FOLDER_WAIT_MS;
  for (;;) {
    // Checked on every attempt: a `start` may have taken the folder while this command waited.
    const running = role === 'command' ? await readRunningInstance(context.home) : null;
    if (running?.dynamoDbEndpoint)
      return attachToRunning(running.dynamoDbEndpoint, running.pid, context, resources);
    try {
      return await openLocalFolder(context, resources);
    } catch (error) {
      if (!(error instanceof LocalStoreBusyError)) throw error;
      if (Date.now() > giveUpAt) {
        throw new WatcherError(
          `The local store ${homePaths(context.home).dynamoDb} is in use by another process; try again when it has finished`,
          { cause: error },
        );
      }
      await delay(200);
    }
  }
}

/** The CompanyEnrich API (real or simulated) plus a line saying where it is. */
export interface OpenedStatusApi {
  statusApi: StatusApi;
  /** Where the API is, and its key: what the job creation adapter needs too. */
  apiBaseUrl: string;
  apiKeys: ApiKeyProvider;
  description: string;
  /** The simulator this process hosts, if any. */
  hosted: HostedSimulator | null;
}

/** What the caller of {@link openStatusApi} may ask of a simulator it hosts. */
export interface HostingOptions {
  durationScale?: number;
  /**
   * Save the simulator's plans (default: only for `start`): `submit` must, or the job it creates
   * would be lost; a one-off `poll --once` must not race a later `start` for the file.
   */
  persist?: boolean;
  /** Told about each completion callback the hosted simulator made. */
  onWebhook?: (delivery: WebhookDelivery) => void;
}

/**
 * Opens the CompanyEnrich API: the real one when a key is configured, else the simulator
 * (the running `start`'s, or one hosted here).
 */
export async function openStatusApi(
  context: CliContext,
  role: Role,
  resources: Resources,
  options: HostingOptions = {},
): Promise<OpenedStatusApi> {
  const { config } = context;
  const { createApiKeyProvider, createStatusApi } = await import('../functions/core/wiring.js');
  if (config.apiKeySource) {
    const apiKeys = createApiKeyProvider(config.apiKeySource, context.env, config.apiKeyCacheSeconds);
    return {
      statusApi: createStatusApi(config, apiKeys),
      apiBaseUrl: config.apiBaseUrl,
      apiKeys,
      description: `CompanyEnrich API at ${config.apiBaseUrl}`,
      hosted: null,
    };
  }
  const [{ StaticApiKey }, { hostSimulator, LOCAL_SIMULATOR_API_KEY }] = await Promise.all([
    import('../functions/core/adapters/api-key.js'),
    import('../local/simulator-host.js'),
  ]);
  const apiKeys = new StaticApiKey(LOCAL_SIMULATOR_API_KEY);
  const simulatorApi = (url: string): StatusApi => createStatusApi({ ...config, apiBaseUrl: url }, apiKeys);
  const running = role === 'command' ? await readRunningInstance(context.home) : null;
  if (running?.simulatorUrl) {
    return {
      statusApi: simulatorApi(running.simulatorUrl),
      apiBaseUrl: running.simulatorUrl,
      apiKeys,
      description: `the simulator of the running start (pid ${running.pid}) at ${running.simulatorUrl}`,
      hosted: null,
    };
  }
  const hosted = await hostSimulator({
    plansFile: homePaths(context.home).simulatorJobs,
    persist: options.persist ?? role === 'local-run',
    durationScale: options.durationScale ?? 1,
    ...(options.onWebhook ? { onWebhook: options.onWebhook } : {}),
  });
  resources.add('the simulator', () => hosted.stop());
  return {
    statusApi: simulatorApi(hosted.url),
    apiBaseUrl: hosted.url,
    apiKeys,
    description: `CompanyEnrich simulator at ${hosted.url} (no COMPANYENRICH_API_KEY set)`,
    hosted,
  };
}

/**
 * Notifications in the local run go to the terminal, and also to SNS when EVENTS/EMAIL/SMS_TOPIC_ARN
 * are set; operator alerts likewise (labelled as such), to OPERATOR_TOPIC_ARN and EVENTS_TOPIC_ARN.
 * On a real table both go to SNS only (and are shown): a channel without its topic stays owed, for
 * the deployed function to send.
 */
export async function createNotifier(
  context: CliContext,
  resources: Resources,
): Promise<{
  notifier: Notifier;
  alertNotifier: Notifier;
  description: string;
  unpublished?: string | null;
}> {
  const terminal = new ConsoleNotifier(context.print);
  const operatorTerminal = new ConsoleNotifier(context.print, 'operator');
  const { config } = context;
  const topics = Object.entries(config.topics);
  const alertTopics = config.operatorTopicArn !== null || config.topics.events !== undefined;
  if (topics.length === 0 && !alertTopics) {
    return {
      notifier: terminal,
      alertNotifier: operatorTerminal,
      description:
        'shown here (no EVENTS_TOPIC_ARN, EMAIL_TOPIC_ARN, SMS_TOPIC_ARN or OPERATOR_TOPIC_ARN set)',
    };
  }
  const [{ SNSClient }, { createSnsAlertNotifier, createSnsNotifier }] = await Promise.all([
    import('@aws-sdk/client-sns'),
    import('../functions/core/wiring.js'),
  ]);
  const client = closing(
    new SNSClient(boundedClientConfig(AWS_CLIENT_BOUNDS.sns)),
    'the SNS client',
    resources,
  );
  const named = [...topics, ...(config.operatorTopicArn ? [['operator', config.operatorTopicArn]] : [])];
  const description = `SNS (${named.map(([channel, arn]) => `${channel}: ${arn}`).join(', ')}), and shown here`;
  const jobSns = topics.length > 0 ? createSnsNotifier(client, config) : null;
  const alertSns = alertTopics ? createSnsAlertNotifier(client, config) : null;
  if (!config.jobsTableName) {
    return {
      notifier: jobSns ? new DeliverAndShowNotifier(jobSns, terminal) : terminal,
      alertNotifier: alertSns ? new DeliverAndShowNotifier(alertSns, operatorTerminal) : operatorTerminal,
      description,
    };
  }
  return tableNotifiers({ jobSns, alertSns, terminal, operatorTerminal, description });
}

/**
 * The notifiers for a real table: SNS only, every channel owned, so one whose topic is not set
 * stays owed (`unpublished` says which variables are missing) instead of being "delivered" here.
 */
async function tableNotifiers(parts: {
  jobSns: Notifier | null;
  alertSns: Notifier | null;
  terminal: Notifier;
  operatorTerminal: Notifier;
  description: string;
}): Promise<{
  notifier: Notifier;
  alertNotifier: Notifier;
  description: string;
  unpublished: string | null;
}> {
  const { jobSns, alertSns, terminal, operatorTerminal, description } = parts;
  const [{ ConfiguredTopicsNotifier, missingTopicVariables }, { ALERT_CHANNELS, JOB_CHANNELS }] =
    await Promise.all([
      import('./table-notifier.js'),
      import('../functions/core/domain/notification-channel.js'),
    ]);
  const missing = [
    ...new Set([
      ...missingTopicVariables(JOB_CHANNELS, jobSns?.channels ?? []),
      ...missingTopicVariables(ALERT_CHANNELS, alertSns?.channels ?? []),
    ]),
  ];
  return {
    notifier: new ConfiguredTopicsNotifier(JOB_CHANNELS, jobSns, terminal),
    alertNotifier: new ConfiguredTopicsNotifier(ALERT_CHANNELS, alertSns, operatorTerminal),
    description,
    unpublished:
      missing.length === 0
        ? null
        : `${listInProse(missing)} ${missing.length === 1 ? 'is' : 'are'} not set: ` +
          'those channels are not published here and stay owed, for the deployed function to send.',
  };
}

/** `A`, `A and B`, `A, B and C`. */
function listInProse(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
