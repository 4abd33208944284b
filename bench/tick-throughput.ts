/**
 * Section 2 of the bench report: one poll tick at the API-bound limit.
 *
 * A tick over 10,000 due jobs at 50 ms per status request (CompanyEnrich simulator over loopback
 * HTTP, job store on dynalite): its throughput against min(concurrency / latency, rate limit),
 * the peak memory while it runs, the size of the poll bundle minified as CDK builds it, and the
 * time to load that bundle (cold start without the runtime's own init).
 *
 * Run alone: `npx tsx --expose-gc bench/tick-throughput.ts` (prints the section's Markdown).
 *
 * Measured 2026-12-02 on the shared 2-core machine (load average 7-10: other suites running),
 * concurrency 32, no rate cap, goals in brackets:
 * - ratio: 116 of 640 jobs/s, 18% [>= 90%]: 9,997 jobs checked in 85.8 s. Before the credit-sum
 *   workaround below: 28 jobs/s, 4.4%, with a CPU profile (--cpu-prof) of documentAt 47% and
 *   creditsUsed 21% (the simulator), GC 4%, dynalite and the SDK under 1% each.
 * - peak memory: 187 MB heap growth, 446 MB RSS [<= 128 MB], but measured in one process holding
 *   dynalite's in-memory table and the simulator's 10,000 plans too: not the tick's own figure.
 * - poll bundle: 1,051 KB minified [<= 500 KB]; module load: 160 ms median of 5 (400 ms under
 *   heavier load).
 */
import { fork, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { build, type Metafile } from 'esbuild';
import { StaticApiKey } from '../functions/core/adapters/api-key.js';
import { CompanyEnrichStatusApi } from '../functions/core/adapters/companyenrich-status-api.js';
import { DynamoDbJobStore } from '../functions/core/adapters/dynamodb/job-store.js';
import { DynamoDbWatcherStateStore } from '../functions/core/adapters/dynamodb/watcher-state-store.js';
import type { JobStore, Log, Notifier, WatcherStateStore } from '../functions/core/ports.js';
import { runPollTick, type PollTickDeps, type TickPolicy } from '../functions/core/use-cases/poll-tick.js';
import { documentClient } from '../functions/core/wiring.js';
import { seededRandom } from '../local/random.js';
import { EMULATOR_SETTINGS, type EmulatorsFailed, type EmulatorsReady } from './emulators-protocol.js';
import { InMemoryJobStore, InMemoryWatcherStateStore } from './in-memory-job-store.js';
import type { BenchSection } from './section.js';

const JOBS = Number(process.env.BENCH_TICK_JOBS ?? 10_000);
const API_LATENCY_MS = 50;
const CONCURRENCY = Number(process.env.BENCH_TICK_CONCURRENCY ?? 32);
const PAGE_SIZE = 100;
const PROFILE_DIR = process.env.BENCH_CPU_PROF;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const START = Date.parse('2026-11-29T10:00:00.000Z');
const GOALS = { ratio: 0.9, peakMb: 128, bundleKb: 500 } as const;
const MB = 1024 * 1024;

/** The production defaults that matter here (functions/core/config.ts), concurrency and page from the bench. */
const POLICY: TickPolicy = {
  pollIntervalMs: MINUTE,
  maxBackoffMs: 30 * MINUTE,
  notFoundLimit: 3,
  notificationLeaseMs: 5 * MINUTE,
  retentionMs: 90 * 24 * HOUR,
  concurrency: CONCURRENCY,
  pageSize: PAGE_SIZE,
  requestTimeoutMs: 5_000,
  requestsPerSecond: null,
};

/** The Lambda logs to stdout; the bench drops the lines so a recording log's memory is not counted. */
const DISCARDED: Log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const SILENT: Notifier = { channels: [], publish: () => Promise.resolve({ messageId: '' }) };

/** What one measured tick did, and the tick process's memory while it ran. */
interface TickRun {
  readonly checked: number;
  readonly seconds: number;
  readonly peakRssMb: number;
  readonly peakHeapMb: number;
}

/** The emulators, in a child process so this one holds only the tick (bench/emulators-process.ts). */
async function startEmulators(): Promise<{ ready: EmulatorsReady; stop: () => void }> {
  const child = fork(fileURLToPath(new URL('./emulators-process.ts', import.meta.url)), [], {
    // BENCH_CPU_PROF=dir profiles the emulators too (`node --cpu-prof`), to see what limits a run.
    execArgv: ['--import', 'tsx', ...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [])],
    env: {
      ...process.env,
      [EMULATOR_SETTINGS.jobs]: String(JOBS),
      [EMULATOR_SETTINGS.latencyMs]: String(API_LATENCY_MS),
      [EMULATOR_SETTINGS.trackedAt]: new Date(START).toISOString(),
    },
  });
  const stop = (): void => {
    child.kill('SIGTERM');
  };
  const ready = await new Promise<EmulatorsReady>((resolve, reject) => {
    child.once('message', (message: EmulatorsReady | EmulatorsFailed) => {
      if (message.kind === 'ready') resolve(message);
      else reject(new Error(`The emulators failed: ${message.message}`));
    });
    child.once('exit', (code) => {
      reject(new Error(`The emulators process exited (${code})`));
    });
  });
  return { ready, stop };
}

function tickDeps(jobs: JobStore, watcherState: WatcherStateStore, simulatorUrl: string): PollTickDeps {
  return {
    jobs,
    watcherState,
    statusApi: new CompanyEnrichStatusApi({
      baseUrl: simulatorUrl,
      apiKeys: new StaticApiKey('bench'),
      timeoutMs: POLICY.requestTimeoutMs,
    }),
    notifier: SILENT,
    alertNotifier: SILENT,
    log: DISCARDED,
    clock: { now: () => new Date() },
    random: seededRandom(1),
    policy: POLICY,
  };
}

/** Runs one tick over every due job, sampling this process's RSS and heap every 10 ms. */
async function measureTick(deps: PollTickDeps): Promise<TickRun> {
  global.gc?.();
  let peakRss = process.memoryUsage.rss();
  let peakHeap = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  }, 10);
  const started = performance.now();
  try {
    const summary = await runPollTick(deps, { now: new Date(START + 24 * HOUR), deadline: null });
    const seconds = (performance.now() - started) / 1000;
    return { checked: summary.checked, seconds, peakRssMb: peakRss / MB, peakHeapMb: peakHeap / MB };
  } finally {
    clearInterval(sampler);
  }
}

/** The tick on dynalite, then the same jobs on the in-memory store, both against the simulator. */
async function measureTicks(): Promise<{ dynalite: TickRun; inMemory: TickRun }> {
  const { ready, stop } = await startEmulators();
  try {
    const client = new DynamoDBClient({
      endpoint: ready.dynamoEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    });
    const onDynalite = tickDeps(
      new DynamoDbJobStore(documentClient(client), ready.tableName, DISCARDED),
      new DynamoDbWatcherStateStore(documentClient(client), ready.tableName),
      ready.simulatorUrl,
    );
    const dynalite = await measureTick(onDynalite);
    const store = new InMemoryJobStore();
    const trackedAt = new Date(START).toISOString();
    for (const jobId of ready.jobIds) await store.track({ jobId, label: null, metadata: {}, trackedAt });
    const inMemory = await measureTick(tickDeps(store, new InMemoryWatcherStateStore(), ready.simulatorUrl));
    return { dynalite, inMemory };
  } finally {
    stop();
  }
}

/** What the poll bundle is made of: KB minified per package (functions/… per folder), largest first. */
function composition(metafile: Metafile, top = 8): { name: string; kb: number }[] {
  const byPackage = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
      const name = inPackage ?? path.split('/').slice(0, 2).join('/');
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...byPackage]
    .map(([name, bytes]) => ({ name, kb: bytes / 1024 }))
    .sort((a, b) => b.kb - a.kb)
    .slice(0, top);
}

/** Bundles the poll handler as CDK does (infra/constructs/function-defaults.ts BUNDLING). */
async function measureBundle(): Promise<{
  kb: number;
  loadMs: number;
  parts: { name: string; kb: number }[];
}> {
  const dir = mkdtempSync(join(tmpdir(), 'poll-bundle-'));
  try {
    const outfile = join(dir, 'index.mjs');
    const { metafile } = await build({
      entryPoints: ['functions/poll/handler.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      mainFields: ['module', 'main'],
      minify: true,
      metafile: true,
      outfile,
      banner: {
        js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      },
      logLevel: 'silent',
    });
    const kb = statSync(outfile).size / 1024;
    return { kb, loadMs: medianLoadMs(dir, outfile), parts: composition(metafile) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Module load of the bundle in a fresh Node process, median of 5: cold start without the runtime's init. */
function medianLoadMs(dir: string, outfile: string): number {
  const probe = join(dir, 'load.mjs');
  writeFileSync(
    probe,
    `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(outfile).href)}); ` +
      `process.stdout.write(String(performance.now() - t));`,
  );
  const env = {
    ...process.env,
    AWS_REGION: 'eu-west-1',
    JOBS_TABLE_NAME: 'jobs',
    EVENTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:events',
    OPERATOR_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:operator',
    COMPANYENRICH_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:key',
  };
  const loads = Array.from({ length: 5 }, () => {
    const run = spawnSync(process.execPath, [probe], { env, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`loading the bundle failed: ${run.stderr}`);
    return Number(run.stdout);
  }).sort((a, b) => a - b);
  return loads[2] ?? Number.NaN;
}

/** One tick's row: jobs/s and the ratio to the API-bound limit. */
function ratioRow(store: string, tick: TickRun, ideal: number): BenchSection['goals'][number] {
  const rate = tick.checked / tick.seconds;
  const ratio = rate / ideal;
  return {
    goal: `≥ ${GOALS.ratio * 100}% of min(concurrency / latency, rate limit), store on ${store}`,
    measured: `${(ratio * 100).toFixed(1)}% (${rate.toFixed(0)} of ${ideal.toFixed(0)} jobs/s; ${tick.checked} jobs in ${tick.seconds.toFixed(1)} s)`,
    met: ratio >= GOALS.ratio,
  };
}

/** Measures the ticks, the bundle and its load time, and reports each next to its goal. */
export async function tickThroughputSection(): Promise<BenchSection> {
  const { dynalite, inMemory } = await measureTicks();
  const bundle = await measureBundle();
  // No rate cap in the bench (requestsPerSecond null): the limit is concurrency / latency.
  const ideal = CONCURRENCY / (API_LATENCY_MS / 1000);
  const goals = [
    ratioRow('dynalite', dynalite, ideal),
    ratioRow('an in-memory store', inMemory, ideal),
    {
      goal: `peak memory of the tick ≤ ${GOALS.peakMb} MB`,
      measured: `${dynalite.peakRssMb.toFixed(0)} MB RSS, ${dynalite.peakHeapMb.toFixed(0)} MB heap (tick process, store on dynalite)`,
      met: dynalite.peakRssMb <= GOALS.peakMb,
    },
    {
      goal: `poll bundle ≤ ${GOALS.bundleKb} KB minified`,
      measured: `${bundle.kb.toFixed(0)} KB`,
      met: bundle.kb <= GOALS.bundleKb,
    },
    {
      goal: 'cold start (module load) measured',
      measured: `${bundle.loadMs.toFixed(0)} ms (median of 5)`,
      met: true,
    },
  ];
  const markdown = [
    `One tick over ${JOBS} due jobs, ${API_LATENCY_MS} ms API latency, concurrency ${CONCURRENCY}, pages of ${PAGE_SIZE}, no rate cap: the limit is ${ideal.toFixed(0)} jobs/s. The emulators (dynalite, the simulator) run in a child process; the tick process's RSS and heap are sampled every 10 ms while it runs (the analogue of Lambda's "Max Memory Used").`,
    '',
    '| Goal | Measured | Met |',
    '| --- | --- | --- |',
    ...goals.map((row) => `| ${row.goal} | ${row.measured} | ${row.met ? 'yes' : 'no'} |`),
    '',
    `In-memory store run: ${inMemory.peakRssMb.toFixed(0)} MB RSS, ${inMemory.peakHeapMb.toFixed(0)} MB heap (the store's ${JOBS} jobs included).`,
    '',
    `Poll bundle, largest parts (KB minified): ${bundle.parts.map((part) => `${part.name} ${part.kb.toFixed(0)}`).join(', ')}.`,
    '',
    'Repeat: `npx tsx --expose-gc bench/tick-throughput.ts`.',
  ].join('\n');
  return { title: 'Tick throughput', markdown, goals };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const section = await tickThroughputSection();
  process.stdout.write(`## ${section.title}\n\n${section.markdown}\n`);
}
