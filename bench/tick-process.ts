/**
 * One measured poll tick, in a process of its own: the bench bundles this file as CDK bundles a
 * function (minified ESM, plain `node`, no tsx), forks it, sends one `TickOrder` and gets one
 * `TickRun` back. So the memory it reports is the tick's with the production code as deployed:
 * no emulator, no TypeScript loader, no bench in the same heap.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { StaticApiKey } from '../functions/core/adapters/api-key.js';
import { CompanyEnrichStatusApi } from '../functions/core/adapters/companyenrich-status-api.js';
import { DynamoDbJobStore } from '../functions/core/adapters/dynamodb/job-store.js';
import { DynamoDbWatcherStateStore } from '../functions/core/adapters/dynamodb/watcher-state-store.js';
import type { JobStore, Log, Notifier, WatcherStateStore } from '../functions/core/ports.js';
import { runPollTick, type PollTickDeps, type TickPolicy } from '../functions/core/use-cases/poll-tick.js';
import { documentClient } from '../functions/core/wiring.js';
import { seededRandom } from '../local/random.js';
import type { TickOrder, TickRun } from './emulators-protocol.js';
import { InMemoryJobStore, InMemoryWatcherStateStore } from './in-memory-job-store.js';

const MINUTE = 60_000;
const MB = 1024 * 1024;

/** The Lambda logs to stdout; here the lines are dropped, so no recording log's memory is counted. */
const DISCARDED: Log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const SILENT: Notifier = { channels: [], publish: () => Promise.resolve({ messageId: '' }) };

/** The production defaults that matter here (functions/core/config.ts); concurrency and page from the order. */
function policyOf(order: TickOrder): TickPolicy {
  return {
    pollIntervalMs: MINUTE,
    maxBackoffMs: 30 * MINUTE,
    notFoundLimit: 3,
    notificationLeaseMs: 5 * MINUTE,
    retentionMs: 90 * 24 * 60 * MINUTE,
    concurrency: order.concurrency,
    pageSize: order.pageSize,
    requestTimeoutMs: 5_000,
    requestsPerSecond: null,
  };
}

/** The stores the order names: the jobs table on dynalite, or the bench's in-memory store with the same jobs. */
async function storesFor(order: TickOrder): Promise<{ jobs: JobStore; watcherState: WatcherStateStore }> {
  const { emulators } = order;
  if (order.store === 'in-memory') {
    const jobs = new InMemoryJobStore();
    const trackedAt = new Date(Date.parse(order.now) - 24 * 60 * MINUTE).toISOString();
    for (const jobId of emulators.jobIds) await jobs.track({ jobId, label: null, metadata: {}, trackedAt });
    return { jobs, watcherState: new InMemoryWatcherStateStore() };
  }
  const client = documentClient(
    new DynamoDBClient({
      endpoint: emulators.dynamoEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    }),
  );
  return {
    jobs: new DynamoDbJobStore(client, emulators.tableName, DISCARDED),
    watcherState: new DynamoDbWatcherStateStore(client, emulators.tableName),
  };
}

/** Runs the ordered tick over every due job, sampling this process's RSS and heap every 10 ms. */
async function measure(order: TickOrder): Promise<TickRun> {
  const policy = policyOf(order);
  const deps: PollTickDeps = {
    ...(await storesFor(order)),
    statusApi: new CompanyEnrichStatusApi({
      baseUrl: order.emulators.simulatorUrl,
      apiKeys: new StaticApiKey('bench'),
      timeoutMs: policy.requestTimeoutMs,
    }),
    notifier: SILENT,
    alertNotifier: SILENT,
    log: DISCARDED,
    clock: { now: () => new Date() },
    random: seededRandom(1),
    policy,
  };
  const startRss = process.memoryUsage.rss();
  let peakRss = startRss;
  let peakHeap = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  }, 10);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  try {
    const summary = await runPollTick(deps, { now: new Date(order.now), deadline: null });
    return {
      kind: 'ran',
      checked: summary.checked,
      seconds: (performance.now() - started) / 1000,
      peakRssMb: peakRss / MB,
      peakHeapMb: peakHeap / MB,
      startRssMb: startRss / MB,
      cpuSeconds: cpuSecondsSince(cpuBefore),
    };
  } finally {
    clearInterval(sampler);
  }
}

function cpuSecondsSince(before: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(before);
  return (user + system) / 1e6;
}

process.once('message', (order: TickOrder) => {
  measure(order)
    .then((run) => process.send?.(run))
    .catch((error: unknown) => {
      process.send?.({
        kind: 'failed',
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    })
    .finally(() => {
      process.disconnect();
    });
});
