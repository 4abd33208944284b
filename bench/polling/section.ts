/**
 * The polling-strategy part of the `npm run bench` report: the seeded job mix replayed against
 * the four strategies, the table, and the goals of issue 9 section 1 next to what was measured.
 */
import type { BenchSection } from '../section.js';
import { DEFAULT_MIX, jobMix } from './job-mix.js';
import { simulateStrategy, type LatencySummary, type StrategyResult } from './simulate.js';
import { ageCadence, etaCadence, everyInterval, STRATEGIES } from './strategies.js';

const TEN_MINUTES_MS = 600_000;
/** How much later than (a) the ETA cadence may see a completion, at the 95th percentile. */
const COMPLETION_SLACK_MS = 30_000;

/** Latency for a table cell: seconds below ten minutes, minutes above, ∞ for never. */
export function formatLatency(ms: number): string {
  if (!Number.isFinite(ms)) return '∞';
  return ms < TEN_MINUTES_MS ? `${Math.round(ms / 1000)} s` : `${(ms / 60_000).toFixed(1)} min`;
}

const cells = (s: LatencySummary): string => [s.p50, s.p95, s.max].map(formatLatency).join(' / ');

function table(results: readonly StrategyResult[]): string {
  const rows = results.map(
    (r) => `| ${r.strategy} | ${r.callsPerJob.toFixed(1)} | ${cells(r.completion)} | ${cells(r.failure)} |`,
  );
  return [
    '| Strategy | Status calls per job | Completion latency p50 / p95 / max | Failure latency p50 / p95 / max |',
    '| --- | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

function byName(results: readonly StrategyResult[], name: string): StrategyResult {
  const found = results.find((r) => r.strategy === name);
  if (!found) throw new Error(`no result for ${name}`);
  return found;
}

function goals(results: readonly StrategyResult[]): BenchSection['goals'] {
  const a = byName(results, everyInterval.name);
  const b = byName(results, ageCadence.name);
  const c = byName(results, etaCadence.name);
  const ratio = a.callsPerJob / c.callsPerJob;
  return [
    { goal: '(c) ≥ 5× fewer calls than (a)', measured: `${ratio.toFixed(2)}×`, met: ratio >= 5 },
    {
      goal: '(c) p95 completion latency ≤ (a) + 30 s',
      measured: `${formatLatency(c.completion.p95)} vs ${formatLatency(a.completion.p95 + COMPLETION_SLACK_MS)}`,
      met: c.completion.p95 <= a.completion.p95 + COMPLETION_SLACK_MS,
    },
    {
      goal: '(c) p95 failure latency ≤ 10 min',
      measured: formatLatency(c.failure.p95),
      met: c.failure.p95 <= TEN_MINUTES_MS,
    },
    {
      goal: '(c) fewer calls than (b)',
      measured: `${c.callsPerJob.toFixed(1)} vs ${b.callsPerJob.toFixed(1)}`,
      met: c.callsPerJob < b.callsPerJob,
    },
    {
      goal: '(c) lower p95 completion latency than (b)',
      measured: `${formatLatency(c.completion.p95)} vs ${formatLatency(b.completion.p95)}`,
      met: c.completion.p95 < b.completion.p95,
    },
  ];
}

/** Runs the simulation (seconds, no network) and returns its report section and raw results. */
export function pollingStrategiesSection(): { section: BenchSection; results: StrategyResult[] } {
  const jobs = jobMix(DEFAULT_MIX);
  const results = STRATEGIES.map((strategy) => simulateStrategy(jobs, strategy));
  const failed = jobs.filter((j) => j.outcome === 'failed').length;
  const stalled = jobs.filter((j) => j.stalled).length;
  const markdown = [
    `${jobs.length} jobs (seed ${DEFAULT_MIX.seed}): log-normal durations from 2 minutes to 8 hours (median 40 min),`,
    `progress in ten stretches at log-normal speeds, ${failed} failing at a random point, ${stalled} stalling`,
    'for 30 minutes to 2 hours. The watcher strategies check on a one-minute schedule; (d) waits',
    '30 s per job. Latency is from the real end to the check that sees it. (b) and (c) call the',
    "watcher's own cadence functions (`bench/polling/strategies.ts`).",
    '',
    table(results),
    '',
    '![Status calls per job against p95 completion latency, one point per strategy](benchmarks-polling.svg)',
  ].join('\n');
  return { section: { title: 'Polling strategies', markdown, goals: goals(results) }, results };
}
