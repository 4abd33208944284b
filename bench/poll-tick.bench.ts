/**
 * Throughput of one poll tick: how many due jobs it checks per second at realistic API latency.
 *
 * Target (docs/ARCHITECTURE.md): at 50 ms per status request and a concurrency of 8 (the default
 * before issue 9 raised it to 32), a tick handles at least 60 jobs per second. The 10,000-job tick
 * at the default concurrency is bench/tick-throughput.ts. Each iteration is one tick over 300 due jobs (store on dynalite, API on the
 * simulator over loopback HTTP): jobs per second = 300 / mean seconds per tick.
 */
import { bench, describe } from 'vitest';
import { StaticApiKey } from '../functions/core/adapters/api-key.js';
import { CompanyEnrichStatusApi } from '../functions/core/adapters/companyenrich-status-api.js';
import { DynamoDbJobStore } from '../functions/core/adapters/dynamodb/job-store.js';
import { DynamoDbWatcherStateStore } from '../functions/core/adapters/dynamodb/watcher-state-store.js';
import type { Notifier } from '../functions/core/ports.js';
import { runPollTick, type PollTickDeps } from '../functions/core/use-cases/poll-tick.js';
import { documentClient } from '../functions/core/wiring.js';
import { seededRandom } from '../local/random.js';
import { CompanyEnrichSimulator } from '../local/simulator/index.js';
import { startDynalite } from '../test/support/dynalite.js';
import { createJobsTable, dynamoDbClientFor } from '../test/support/emulators.js';
import { RecordingLog, TEST_POLICY } from '../test/support/watcher-harness.js';

const JOBS = 300;
const API_LATENCY_MS = 50;
const HOUR = 3_600_000;
const START = Date.parse('2026-11-29T10:00:00.000Z');

interface Fixture {
  deps: PollTickDeps;
  stop: () => Promise<void>;
}

async function prepare(): Promise<Fixture> {
  const dynalite = await startDynalite();
  const client = dynamoDbClientFor(dynalite.endpoint);
  const tableName = await createJobsTable(client);
  const log = new RecordingLog();
  const store = new DynamoDbJobStore(documentClient(client), tableName, log);
  const simulator = new CompanyEnrichSimulator({ apiKey: 'bench', clock: () => new Date(START), seed: 1 });
  const { url } = await simulator.start();
  for (let index = 0; index < JOBS; index += 1) {
    // Jobs that stay in `processing` for days: every tick finds them all due and unchanged.
    const jobId = simulator.createJob({
      totalDomains: 1_000,
      pendingMs: 0,
      processingMs: 100 * 24 * HOUR,
      completingMs: HOUR,
      outcome: 'completed',
      createdAt: new Date(START - HOUR),
    });
    simulator.injectFault(jobId, { kind: 'delay', ms: API_LATENCY_MS }, Infinity);
    await store.track({ jobId, label: null, metadata: {}, trackedAt: new Date(START).toISOString() });
  }
  const silent: Notifier = { channels: [], publish: () => Promise.resolve({ messageId: '' }) };
  return {
    deps: {
      jobs: store,
      watcherState: new DynamoDbWatcherStateStore(documentClient(client), tableName),
      statusApi: new CompanyEnrichStatusApi({
        baseUrl: url,
        apiKeys: new StaticApiKey('bench'),
        timeoutMs: 5_000,
      }),
      notifier: silent,
      alertNotifier: silent,
      log,
      clock: { now: () => new Date() },
      random: seededRandom(1),
      policy: { ...TEST_POLICY, concurrency: 8, pageSize: 100 },
    },
    stop: async () => {
      await simulator.stop();
      await dynalite.stop();
    },
  };
}

describe('poll tick', () => {
  let fixture: Fixture | null = null;
  let tick = 0;

  bench(
    `one tick over ${JOBS} due jobs, ${API_LATENCY_MS} ms API latency, concurrency 8`,
    async () => {
      if (!fixture) throw new Error('bench setup did not run');
      // Each tick runs a day later, so every job is due again.
      tick += 1;
      const summary = await runPollTick(fixture.deps, {
        now: new Date(START + tick * 24 * HOUR),
        deadline: null,
      });
      if (summary.checked !== JOBS) throw new Error(`checked ${summary.checked} of ${JOBS} jobs`);
    },
    {
      iterations: 5,
      time: 0,
      warmupIterations: 1,
      setup: async () => {
        fixture ??= await prepare();
      },
      teardown: async () => {
        await fixture?.stop();
        fixture = null;
      },
    },
  );
});
