/**
 * Runs the CompanyEnrich simulator for the local run, with its job plans kept in a file so a
 * restart (or a `poll --once` while nothing runs) sees the same jobs on the same timeline.
 */
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../functions/core/domain/errors.js';
import { writeFileAtomically } from './home.js';
import { CompanyEnrichSimulator, type PersistedJobPlan, type WebhookDelivery } from './simulator/index.js';

/**
 * The key the local run and its simulator agree on. Not a secret: the simulator only listens on
 * loopback and serves made-up jobs.
 */
export const LOCAL_SIMULATOR_API_KEY = 'local-simulator-key';

/** A simulator served on loopback for this process. */
export interface HostedSimulator {
  simulator: CompanyEnrichSimulator;
  url: string;
  /** True when no plans file existed: a fresh data folder. */
  firstRun: boolean;
  /** Writes every job plan to the plans file (only when hosted with `persist`). */
  save(): Promise<void>;
  /** Saves (when persisting) and closes the server. */
  stop(): Promise<void>;
}

async function readPlans(file: string): Promise<PersistedJobPlan[] | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const plans: unknown = JSON.parse(text);
    if (!Array.isArray(plans)) throw new TypeError('not a JSON array');
    return plans as PersistedJobPlan[];
  } catch (error) {
    throw new ConfigError(
      `${file} is not a valid job plan file (${(error as Error).message}); delete it to start afresh`,
    );
  }
}

/**
 * Starts a simulator on a free loopback port with the plans found in `plansFile`.
 *
 * @param options.persist - save the plans on `save()`, `stop()` and after each job created over
 *   HTTP; off for a one-off `poll --once`, which must not race a later `start` for the file.
 * @param options.durationScale - duration scale of jobs created through `POST /companies/enrich/bulk`.
 * @param options.onWebhook - told about each completion callback (the local run logs failed ones).
 */
export async function hostSimulator(options: {
  plansFile: string;
  persist: boolean;
  durationScale: number;
  onWebhook?: (delivery: WebhookDelivery) => void;
}): Promise<HostedSimulator> {
  const { plansFile, persist } = options;
  const plans = await readPlans(plansFile);
  let saving: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    if (!persist) return Promise.resolve();
    // Serialised, so a slow write never overtakes a newer one.
    saving = saving
      .catch(() => undefined)
      .then(() => writeFileAtomically(plansFile, `${JSON.stringify(simulator.exportJobs(), null, 2)}\n`));
    return saving;
  };
  const simulator = new CompanyEnrichSimulator({
    apiKey: LOCAL_SIMULATOR_API_KEY,
    // Job ids come from the seed: a fresh seed per process keeps new ids clear of the saved ones.
    seed: randomInt(2 ** 31),
    durationScale: options.durationScale,
    ...(options.onWebhook ? { onWebhook: options.onWebhook } : {}),
    onRequest: (request) => {
      if (request.method === 'POST' && request.status === 200) void save().catch(() => undefined);
    },
  });
  if (plans) {
    try {
      simulator.importJobs(plans);
    } catch (error) {
      throw new ConfigError(
        `${plansFile} holds an invalid job plan (${(error as Error).message}); delete it to start afresh`,
      );
    }
  }
  const { url } = await simulator.start();
  return {
    simulator,
    url,
    firstRun: plans === null,
    save,
    stop: async () => {
      try {
        await save();
      } finally {
        await simulator.stop();
      }
    },
  };
}
