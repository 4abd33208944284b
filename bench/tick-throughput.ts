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
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import pMap from 'p-map';
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
import type { BenchSection } from './section.js';

const JOBS = Number(process.env.BENCH_TICK_JOBS ?? 10_000);
const API_LATENCY_MS = 50;
const CONCURRENCY = Number(process.env.BENCH_TICK_CONCURRENCY ?? 32);
const PAGE_SIZE = 100;
const HOUR = 3_600_000;
const START = Date.parse('2026-11-29T10:00:00.000Z');
const GOALS = { ratio: 0.9, peakMb: 128, bundleKb: 500 } as const;

/** What one measured tick did. */
interface TickRun {
  readonly checked: number;
  readonly seconds: number;
  readonly peakHeapMb: number;
  readonly peakRssMb: number;
}

async function measureTick(): Promise<TickRun> {
  const dynalite = await startDynalite();
  const client = dynamoDbClientFor(dynalite.endpoint);
  const tableName = await createJobsTable(client);
  const log = new RecordingLog();
  const store = new DynamoDbJobStore(documentClient(client), tableName, log);
  const simulator = new CompanyEnrichSimulator({ apiKey: 'bench', clock: () => new Date(START), seed: 1 });
  const { url } = await simulator.start();
  try {
    const indexes = Array.from({ length: JOBS }, (_, index) => index);
    await pMap(
      indexes,
      async () => {
        // Jobs that stay in `processing` for days: the tick finds them all due and unchanged.
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
      },
      { concurrency: 16 },
    );
    const silent: Notifier = { channels: [], publish: () => Promise.resolve({ messageId: '' }) };
    const deps: PollTickDeps = {
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
      policy: { ...TEST_POLICY, concurrency: CONCURRENCY, pageSize: PAGE_SIZE },
    };
    global.gc?.();
    const baseHeap = process.memoryUsage().heapUsed;
    let peakHeap = baseHeap;
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      const usage = process.memoryUsage();
      peakHeap = Math.max(peakHeap, usage.heapUsed);
      peakRss = Math.max(peakRss, usage.rss);
    }, 20);
    const started = performance.now();
    const summary = await runPollTick(deps, { now: new Date(START + 24 * HOUR), deadline: null });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const mb = (bytes: number) => bytes / 1024 / 1024;
    return { checked: summary.checked, seconds, peakHeapMb: mb(peakHeap - baseHeap), peakRssMb: mb(peakRss) };
  } finally {
    await simulator.stop();
    await dynalite.stop();
  }
}

/** Bundles the poll handler as CDK does (infra/constructs/function-defaults.ts BUNDLING). */
async function measureBundle(): Promise<{ kb: number; loadMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'poll-bundle-'));
  try {
    const outfile = join(dir, 'index.mjs');
    await build({
      entryPoints: ['functions/poll/handler.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      mainFields: ['module', 'main'],
      minify: true,
      outfile,
      banner: {
        js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      },
      logLevel: 'silent',
    });
    const kb = statSync(outfile).size / 1024;
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
    return { kb, loadMs: loads[2] ?? Number.NaN };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Measures the tick, the bundle and its load time, and reports each next to its goal. */
export async function tickThroughputSection(): Promise<BenchSection> {
  const tick = await measureTick();
  const bundle = await measureBundle();
  const ideal = CONCURRENCY / (API_LATENCY_MS / 1000);
  const rate = tick.checked / tick.seconds;
  const ratio = rate / ideal;
  const goals = [
    {
      goal: `≥ ${GOALS.ratio * 100}% of min(concurrency / latency, rate limit)`,
      measured: `${(ratio * 100).toFixed(1)}% (${rate.toFixed(0)} of ${ideal.toFixed(0)} jobs/s)`,
      met: ratio >= GOALS.ratio,
    },
    {
      goal: `peak memory ≤ ${GOALS.peakMb} MB`,
      measured: `${tick.peakHeapMb.toFixed(0)} MB heap growth, ${tick.peakRssMb.toFixed(0)} MB RSS (bench process, emulators included)`,
      met: tick.peakHeapMb <= GOALS.peakMb,
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
    `One tick over ${tick.checked} due jobs, ${API_LATENCY_MS} ms API latency, concurrency ${CONCURRENCY}, pages of ${PAGE_SIZE}: ${tick.seconds.toFixed(1)} s.`,
    '',
    '| Goal | Measured | Met |',
    '| --- | --- | --- |',
    ...goals.map((row) => `| ${row.goal} | ${row.measured} | ${row.met ? 'yes' : 'no'} |`),
    '',
    'Repeat: `npx tsx bench/tick-throughput.ts` (store on dynalite, API on the simulator over loopback).',
  ].join('\n');
  return { title: 'Tick throughput', markdown, goals };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const section = await tickThroughputSection();
  process.stdout.write(`## ${section.title}\n\n${section.markdown}\n`);
}
