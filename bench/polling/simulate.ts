/**
 * Replays a job mix against polling strategies in discrete time: each check reads the job's
 * true state at that instant, and detection latency is the check that sees the final status
 * minus the moment the job really ended.
 */
import { JobStatus } from '../../functions/core/domain/job-status.js';
import type { ProgressObservation } from '../../functions/core/domain/eta-cadence.js';
import { doneAt, type SimulatedJob } from './job-mix.js';
import type { PollingStrategy, PollObservation } from './strategies.js';

/** A job still not seen as finished this long after its end counts as never detected. */
const GIVE_UP_AFTER_MS = 24 * 3_600_000;

/** Latency percentiles in milliseconds; Infinity when some job was never detected. */
export interface LatencySummary {
  jobs: number;
  p50: number;
  p95: number;
  max: number;
}

export interface StrategyResult {
  strategy: string;
  callsPerJob: number;
  completion: LatencySummary;
  failure: LatencySummary;
}

function observe(job: SimulatedJob, atMs: number, previous: ProgressObservation | null): PollObservation {
  const started = atMs >= job.startedAtMs;
  const ended = atMs >= job.endMs;
  const status = ended ? job.outcome : started ? JobStatus.Processing : JobStatus.Pending;
  return {
    status,
    createdAtMs: job.createdAtMs,
    startedAtMs: started ? job.startedAtMs : null,
    latest: { atMs, done: started ? doneAt(job, Math.min(atMs, job.endMs)) : 0, total: job.total },
    previous,
  };
}

const onSchedule = (strategy: PollingStrategy, dueMs: number): number =>
  strategy.tickMs === null ? dueMs : Math.ceil(dueMs / strategy.tickMs) * strategy.tickMs;

/** Checks one job until its final status is seen: the calls made and the detection latency. */
export function replayJob(
  job: SimulatedJob,
  strategy: PollingStrategy,
): { calls: number; latencyMs: number } {
  // Tracked at submission: the first check is the schedule's next tick (or the first Wait).
  let at =
    strategy.tickMs === null
      ? job.createdAtMs + strategy.nextDelayMs(observe(job, job.createdAtMs, null))
      : onSchedule(strategy, job.createdAtMs);
  let previous: ProgressObservation | null = null;
  let calls = 0;
  while (at - job.endMs <= GIVE_UP_AFTER_MS) {
    calls += 1;
    const seen = observe(job, at, previous);
    if (seen.status === job.outcome) return { calls, latencyMs: at - job.endMs };
    const delay = strategy.nextDelayMs(seen);
    if (!Number.isFinite(delay)) break;
    previous = seen.latest;
    at = onSchedule(strategy, at + delay);
  }
  return { calls, latencyMs: Number.POSITIVE_INFINITY };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number;
}

function summarise(latencies: number[]): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    jobs: sorted.length,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** Replays every job against one strategy. */
export function simulateStrategy(jobs: readonly SimulatedJob[], strategy: PollingStrategy): StrategyResult {
  let calls = 0;
  const completion: number[] = [];
  const failure: number[] = [];
  for (const job of jobs) {
    const run = replayJob(job, strategy);
    calls += run.calls;
    (job.outcome === 'failed' ? failure : completion).push(run.latencyMs);
  }
  return {
    strategy: strategy.name,
    callsPerJob: calls / jobs.length,
    completion: summarise(completion),
    failure: summarise(failure),
  };
}
