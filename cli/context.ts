/** What every command gets besides its arguments: validated config, the data folder, a log. */
import { loadConfig, type WatcherConfig } from '../functions/core/config.js';
import { ConfigError } from '../functions/core/domain/errors.js';
import type { Log } from '../functions/core/ports.js';
import { resolveHome } from '../local/home.js';
import { HumanLog } from './human-log.js';

/** The tick interval of the local run unless POLL_INTERVAL_SECONDS says otherwise: a compressed schedule. */
export const LOCAL_POLL_INTERVAL_SECONDS = '5';

/** The commands, as named on the command line. */
export type CommandName = 'track' | 'submit' | 'list' | 'show' | 'untrack' | 'poll' | 'start';

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
  command: CommandName,
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
  const callsTheApi = command === 'poll' || command === 'start' || command === 'submit';
  if (callsTheApi && config.jobsTableName && !config.apiKeySource) {
    // The simulator knows none of a real table's jobs: polling them against it would end them as
    // not_found, and a job submitted to it would exist nowhere but in this process.
    throw new ConfigError(
      'Invalid configuration: with JOBS_TABLE_NAME set, ' +
        'COMPANYENRICH_API_KEY_SECRET_ARN or COMPANYENRICH_API_KEY is required',
    );
  }
  const publishes = command === 'poll' || command === 'start';
  if (publishes && config.jobsTableName && Object.keys(config.topics).length === 0) {
    // A terminal is not a channel: "delivering" there would settle what subscribers never got.
    throw new ConfigError(
      `Invalid configuration: with JOBS_TABLE_NAME set, ${command} publishes to SNS only; set ` +
        'EVENTS_TOPIC_ARN, EMAIL_TOPIC_ARN or SMS_TOPIC_ARN (the stack outputs), or use the local store',
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
