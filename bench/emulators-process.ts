/**
 * The tick bench's emulators, in a process of their own: dynalite (the jobs table) and the
 * CompanyEnrich simulator, both on loopback, with `jobs` due jobs set up in each. The bench forks
 * this file and runs the tick in its own process, so that process's memory is the tick's alone
 * (the honest analogue of Lambda's "Max Memory Used"), and the emulators' CPU is not on its thread.
 *
 * Protocol (Node IPC, types in emulators-protocol.ts): settings come in the environment; this
 * process sends one `EmulatorsReady` once everything is set up, or `EmulatorsFailed`, and stops its
 * servers on SIGTERM or when the parent goes away.
 */
import pMap from 'p-map';
import { DynamoDbJobStore } from '../functions/core/adapters/dynamodb/job-store.js';
import type { Log } from '../functions/core/ports.js';
import { documentClient } from '../functions/core/wiring.js';
import { CompanyEnrichSimulator } from '../local/simulator/index.js';
import { startDynalite } from '../test/support/dynalite.js';
import { createJobsTable, dynamoDbClientFor } from '../test/support/emulators.js';
import { EMULATOR_SETTINGS, type EmulatorsFailed, type EmulatorsReady } from './emulators-protocol.js';

const HOUR = 3_600_000;
const silentLog: Log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function setting(name: string): string {
  const value = process.env[name];
  if (value === undefined)
    throw new Error(`${name} is not set: start this file from bench/tick-throughput.ts`);
  return value;
}

async function main(): Promise<void> {
  const jobs = Number(setting(EMULATOR_SETTINGS.jobs));
  const latencyMs = Number(setting(EMULATOR_SETTINGS.latencyMs));
  const trackedAt = setting(EMULATOR_SETTINGS.trackedAt);
  const start = Date.parse(trackedAt);
  const dynalite = await startDynalite();
  const client = dynamoDbClientFor(dynalite.endpoint);
  const tableName = await createJobsTable(client);
  const store = new DynamoDbJobStore(documentClient(client), tableName, silentLog);
  // A fixed clock: every job stays in `processing`, so every check finds it due and unchanged.
  const simulator = new CompanyEnrichSimulator({ apiKey: 'bench', clock: () => new Date(start), seed: 1 });
  const { url } = await simulator.start();
  const stop = async (): Promise<void> => {
    await simulator.stop();
    await dynalite.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('disconnect', () => void stop());
  const jobIds = Array.from({ length: jobs }, () => {
    const jobId = simulator.createJob({
      totalDomains: 1_000,
      pendingMs: 0,
      processingMs: 100 * 24 * HOUR,
      completingMs: HOUR,
      outcome: 'completed',
      createdAt: new Date(start - HOUR),
    });
    simulator.injectFault(jobId, { kind: 'delay', ms: latencyMs }, Infinity);
    return jobId;
  });
  await pMap(jobIds, (jobId) => store.track({ jobId, label: null, metadata: {}, trackedAt }), {
    concurrency: 16,
  });
  const ready: EmulatorsReady = {
    kind: 'ready',
    dynamoEndpoint: dynalite.endpoint,
    tableName,
    simulatorUrl: url,
    jobIds,
  };
  process.send?.(ready);
}

main().catch((error: unknown) => {
  const failed: EmulatorsFailed = {
    kind: 'failed',
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
  };
  process.send?.(failed);
  process.exit(1);
});
