/**
 * Status checks per one-hour job, replayed through the ETA-aware cadence the poller uses
 * (strategy (c) of the polling benchmark) rather than assumed.
 */
import { DEFAULT_MIX, jobMix, type SimulatedJob } from '../polling/job-mix.js';
import { simulateStrategy } from '../polling/simulate.js';
import { etaCadence } from '../polling/strategies.js';

const HOUR_MS = 3_600_000;

/** The replayed set: the polling mix's seed and noise, every job stretched to exactly one hour. */
export const ONE_HOUR_JOBS = { jobs: 1_000, seed: DEFAULT_MIX.seed } as const;

/**
 * The job with its whole timeline (pending phase, progress stretches) scaled so it ends one
 * hour after it was created: the mix's per-job rate noise, at the bill's job length.
 */
function stretchedToOneHour(job: SimulatedJob): SimulatedJob {
  const scale = HOUR_MS / (job.endMs - job.createdAtMs);
  const at = (ms: number): number => job.createdAtMs + (ms - job.createdAtMs) * scale;
  return {
    ...job,
    startedAtMs: at(job.startedAtMs),
    endMs: job.createdAtMs + HOUR_MS,
    knots: job.knots.map((knot) => ({ atMs: at(knot.atMs), done: knot.done })),
  };
}

/**
 * Mean status calls per one-hour job under strategy (c): {@link ONE_HOUR_JOBS} jobs of the
 * polling mix (none failing, none stalling), each stretched to one hour, replayed on the
 * one-minute schedule; the check that sees the end is counted.
 */
export function checksPerOneHourJob(): number {
  const jobs = jobMix({ ...DEFAULT_MIX, ...ONE_HOUR_JOBS, failingShare: 0, stallingShare: 0 });
  return simulateStrategy(jobs.map(stretchedToOneHour), etaCadence).callsPerJob;
}
