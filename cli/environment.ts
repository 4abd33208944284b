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
 */
import { mkdir } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { StaticApiKey } from '../functions/core/adapters/api-key.js';
import { loadConfig, type WatcherConfig } from '../functions/core/config.js';
import { ConfigError, WatcherError } from '../functions/core/domain/errors.js';
import type { JobStore, Log, Notifier, StatusApi, WatcherStateStore } from '../functions/core/ports.js';
import {
  createApiKeyProvider,
  createAwsClients,
  createSnsNotifier,
  createStatusApi,
  createStores,
} from '../functions/core/wiring.js';
import { ConsoleNotifier, DeliverAndShowNotifier } from '../local/console-notifier.js';
import {
  embeddedDynamoDbClient,
  ensureJobsTable,
  LOCAL_TABLE_NAME,
  LocalStoreBusyError,
  startEmbeddedDynamoDb,
} from '../local/embedded-dynamodb.js';
import { homePaths, readRunningInstance, resolveHome } from '../local/home.js';
import { hostSimulator, LOCAL_SIMULATOR_API_KEY, type HostedSimulator } from '../local/simulator-host.js';
import { HumanLog } from './human-log.js';

/** The tick interval of the local run unless POLL_INTERVAL_SECONDS says otherwise: a compressed schedule. */
export const LOCAL_POLL_INTERVAL_SECONDS = '5';

/** Who is asking: a one-shot command, or `start`, which owns the data folder while it runs. */
export type Role = 'command' | 'local-run';

/** Everything a command needs besides its arguments. */
export interface CliContext {
  config: WatcherConfig;
  env: NodeJS.ProcessEnv;
  /** The local run's data folder (used only when no table is configured, and for simulator plans). */
  home: string;
  log: Log;
  verbose: boolean;
  /** Prints a line for people on stdout. */
  print: (text: string) => void;
}

/**
 * Loads and validates the configuration once for `command`.
 *
 * @throws ConfigError for a bad or missing variable.
 */
export function createCliContext(
  command: string,
  verbose: boolean,
  env: NodeJS.ProcessEnv = process.env,
): CliContext {
  const localMode = !env.JOBS_TABLE_NAME?.trim();
  // The local run polls on a compressed schedule; the job cadence follows the same interval.
  const effectiveEnv =
    (command === 'start' || localMode) && !env.POLL_INTERVAL_SECONDS?.trim()
      ? { ...env, POLL_INTERVAL_SECONDS: LOCAL_POLL_INTERVAL_SECONDS }
      : env;
  const config = loadConfig(effectiveEnv);
  if ((command === 'poll' || command === 'start') && config.jobsTableName && !config.apiKeySource) {
    // The simulator knows none of a real table's jobs: polling them against it would end them as not_found.
    throw new ConfigError(
      'Invalid configuration: with JOBS_TABLE_NAME set, ' +
        'COMPANYENRICH_API_KEY_SECRET_ARN or COMPANYENRICH_API_KEY is required',
    );
  }
  const apiKey = env.COMPANYENRICH_API_KEY?.trim();
  return {
    config,
    env: effectiveEnv,
    home: resolveHome(env),
    log: new HumanLog({ verbose, secrets: apiKey ? [apiKey] : [] }),
    verbose,
    print: (text) => process.stdout.write(`${text}\n`),
  };
}

/** Cleanup steps, run in reverse order of registration; a failing step does not stop the others. */
export class Resources {
  private readonly closers: { what: string; close: () => Promise<void> }[] = [];

  constructor(private readonly log: Log) {}

  add(what: string, close: () => Promise<void>): void {
    this.closers.push({ what, close });
  }

  async closeAll(): Promise<void> {
    for (const { what, close } of this.closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        this.log.warn(`Could not close ${what}`, { error });
      }
    }
  }
}

/** The job store plus a line saying where it is. */
export interface OpenedStore {
  store: JobStore;
  watcherState: WatcherStateStore;
  description: string;
  /** The endpoint of the embedded DynamoDB this process serves (only for `start` in local mode). */
  servedEndpoint: string | null;
}

type AwsClients = ReturnType<typeof createAwsClients>;
const awsClientsByResources = new WeakMap<Resources, AwsClients>();

/** The SDK clients (standard AWS configuration), created once per set of resources and destroyed with it. */
function awsClients(resources: Resources): AwsClients {
  const existing = awsClientsByResources.get(resources);
  if (existing) return existing;
  const clients = createAwsClients();
  resources.add('the AWS clients', () => {
    clients.dynamoDb.destroy();
    clients.sns.destroy();
    return Promise.resolve();
  });
  awsClientsByResources.set(resources, clients);
  return clients;
}

/** How long a command waits for another short command to release the data folder. */
const BUSY_FOLDER_WAIT_MS = 5_000;

async function openLocalFolder(
  context: CliContext,
  resources: Resources,
): Promise<{ stores: ReturnType<typeof createStores>; endpoint: string }> {
  const paths = homePaths(context.home);
  await mkdir(context.home, { recursive: true });
  const embedded = await startEmbeddedDynamoDb(paths.dynamoDb);
  resources.add('the embedded DynamoDB', () => embedded.close());
  const client = embeddedDynamoDbClient(embedded.endpoint);
  resources.add('the DynamoDB client', () => {
    client.destroy();
    return Promise.resolve();
  });
  await ensureJobsTable(client);
  return { stores: createStores(client, LOCAL_TABLE_NAME, context.log), endpoint: embedded.endpoint };
}

function attachToRunning(endpoint: string, pid: number, resources: Resources, log: Log): OpenedStore {
  const client = embeddedDynamoDbClient(endpoint);
  resources.add('the DynamoDB client', () => {
    client.destroy();
    return Promise.resolve();
  });
  const { jobs, watcherState } = createStores(client, LOCAL_TABLE_NAME, log);
  return {
    store: jobs,
    watcherState,
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
    const { jobs, watcherState } = createStores(
      awsClients(resources).dynamoDb,
      config.jobsTableName,
      context.log,
    );
    return {
      store: jobs,
      watcherState,
      description: `DynamoDB table ${config.jobsTableName} (standard AWS configuration)`,
      servedEndpoint: null,
    };
  }
  const folder = homePaths(context.home).dynamoDb;
  const giveUpAt = Date.now() + BUSY_FOLDER_WAIT_MS;
  for (;;) {
    // Checked on every attempt: a `start` may have taken the folder while this command waited.
    const running = role === 'command' ? await readRunningInstance(context.home) : null;
    if (running?.dynamoDbEndpoint) {
      return attachToRunning(running.dynamoDbEndpoint, running.pid, resources, context.log);
    }
    try {
      const { stores, endpoint } = await openLocalFolder(context, resources);
      return {
        store: stores.jobs,
        watcherState: stores.watcherState,
        description: `embedded DynamoDB in ${folder}`,
        servedEndpoint: endpoint,
      };
    } catch (error) {
      if (!(error instanceof LocalStoreBusyError)) throw error;
      if (Date.now() > giveUpAt) {
        throw new WatcherError(
          `The local store ${folder} is in use by another process; try again when it has finished`,
          { cause: error },
        );
      }
      await delay(200);
    }
  }
}

/** The status API plus a line saying where it is. */
export interface OpenedStatusApi {
  statusApi: StatusApi;
  description: string;
  /** The simulator this process hosts, if any. */
  hosted: HostedSimulator | null;
}

/**
 * Opens the CompanyEnrich status API: the real one when a key is configured, else the simulator
 * (the running `start`'s, or one hosted here; only `start` saves its plans).
 */
export async function openStatusApi(
  context: CliContext,
  role: Role,
  resources: Resources,
  options: { durationScale?: number } = {},
): Promise<OpenedStatusApi> {
  const { config } = context;
  if (config.apiKeySource) {
    const apiKeys = createApiKeyProvider(config.apiKeySource, context.env, config.apiKeyCacheSeconds);
    return {
      statusApi: createStatusApi(config, apiKeys),
      description: `CompanyEnrich API at ${config.apiBaseUrl}`,
      hosted: null,
    };
  }
  const simulatorApi = (url: string): StatusApi =>
    createStatusApi({ ...config, apiBaseUrl: url }, new StaticApiKey(LOCAL_SIMULATOR_API_KEY));
  const running = role === 'command' ? await readRunningInstance(context.home) : null;
  if (running?.simulatorUrl) {
    return {
      statusApi: simulatorApi(running.simulatorUrl),
      description: `the simulator of the running start (pid ${running.pid}) at ${running.simulatorUrl}`,
      hosted: null,
    };
  }
  const hosted = await hostSimulator({
    plansFile: homePaths(context.home).simulatorJobs,
    persist: role === 'local-run',
    durationScale: options.durationScale ?? 1,
  });
  resources.add('the simulator', () => hosted.stop());
  return {
    statusApi: simulatorApi(hosted.url),
    description: `CompanyEnrich simulator at ${hosted.url} (no COMPANYENRICH_API_KEY set)`,
    hosted,
  };
}

/** Notifications go to the terminal, and also to SNS when EVENTS/EMAIL/SMS_TOPIC_ARN are set. */
export function createNotifier(
  context: CliContext,
  resources: Resources,
): { notifier: Notifier; description: string } {
  const terminal = new ConsoleNotifier(context.print);
  const { config } = context;
  if (Object.keys(config.topics).length === 0) {
    return {
      notifier: terminal,
      description: 'shown here (no EVENTS_TOPIC_ARN, EMAIL_TOPIC_ARN or SMS_TOPIC_ARN set)',
    };
  }
  const sns = createSnsNotifier(awsClients(resources).sns, config);
  return {
    notifier: new DeliverAndShowNotifier(sns, terminal),
    description: `SNS (${Object.entries(config.topics)
      .map(([channel, arn]) => `${channel}: ${arn}`)
      .join(', ')}), and shown here`,
  };
}
