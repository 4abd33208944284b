/**
 * The seeded job mix the polling strategies are replayed against: realistic bulk jobs whose
 * progress, failures and stalls are known exactly, so detection latency can be measured.
 */
import { seededRandom } from '../../local/random.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const MIN_DURATION_MS = 2 * MINUTE;
const MAX_DURATION_MS = 8 * HOUR;
/** Progress is drawn in this many stretches, each at its own speed: the per-job rate noise. */
const SEGMENTS = 10;

/** How the mix is drawn; {@link DEFAULT_MIX} is what `npm run bench` reports. */
export interface JobMixOptions {
  jobs: number;
  seed: number;
  /** Share of jobs that fail at a random point of their processing. */
  failingShare: number;
  /** Share of jobs whose progress freezes for a while mid-way. */
  stallingShare: number;
}

export const DEFAULT_MIX: JobMixOptions = { jobs: 2_000, seed: 9, failingShare: 0.1, stallingShare: 0.02 };

/** One simulated job: a piecewise-linear progress curve from `startedAtMs` to `endMs`. */
export interface SimulatedJob {
  createdAtMs: number;
  startedAtMs: number;
  /** When the job really reached its final status: the reference for detection latency. */
  endMs: number;
  outcome: 'completed' | 'failed';
  total: number;
  /** Progress knots: at `atMs`, `done` items were finished (increasing in both). */
  knots: { atMs: number; done: number }[];
  stalled: boolean;
}

/** A standard normal draw (Box-Muller) from a uniform source. */
function normal(random: () => number): number {
  const u = Math.max(random(), Number.MIN_VALUE);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

const clamp = (value: number, min: number, max: number): number => Math.min(Math.max(value, min), max);

/** The knots of a job finishing `total` items in `durationMs`, each tenth at its own speed. */
function progressKnots(random: () => number, startMs: number, durationMs: number, total: number) {
  const weights = Array.from({ length: SEGMENTS }, () => Math.exp(0.35 * normal(random)));
  const sum = weights.reduce((a, b) => a + b, 0);
  const knots = [{ atMs: startMs, done: 0 }];
  let at = startMs;
  weights.forEach((weight, i) => {
    at += (durationMs * weight) / sum;
    knots.push({ atMs: at, done: Math.round((total * (i + 1)) / SEGMENTS) });
  });
  return knots;
}

/** Freezes progress at a random knot for 30 minutes to 2 hours: later knots shift by the stall. */
function stall(random: () => number, knots: SimulatedJob['knots']): number {
  const from = 1 + Math.floor(random() * (SEGMENTS - 1));
  const pauseMs = 30 * MINUTE + random() * 90 * MINUTE;
  const frozen = knots[from] as { atMs: number; done: number };
  knots.splice(from + 1, 0, { atMs: frozen.atMs + pauseMs, done: frozen.done });
  for (let i = from + 2; i < knots.length; i++) (knots[i] as { atMs: number }).atMs += pauseMs;
  return pauseMs;
}

function drawJob(random: () => number, options: JobMixOptions): SimulatedJob {
  const createdAtMs = random() * HOUR;
  const duration = clamp(40 * MINUTE * Math.exp(normal(random)), MIN_DURATION_MS, MAX_DURATION_MS);
  const pendingMs = Math.min(random() * 3 * MINUTE, duration / 4);
  const startedAtMs = createdAtMs + pendingMs;
  const total = Math.round(10 ** (1 + random() * 4));
  const knots = progressKnots(random, startedAtMs, duration - pendingMs, total);
  const stalled = random() < options.stallingShare;
  if (stalled) stall(random, knots);
  const lastKnot = knots[knots.length - 1] as { atMs: number };
  const failing = random() < options.failingShare;
  const failAt = startedAtMs + (0.05 + 0.9 * random()) * (lastKnot.atMs - startedAtMs);
  return {
    createdAtMs,
    startedAtMs,
    endMs: failing ? failAt : lastKnot.atMs,
    outcome: failing ? 'failed' : 'completed',
    total,
    knots,
    stalled,
  };
}

/** Draws the mix; the same options always give the same jobs. */
export function jobMix(options: JobMixOptions = DEFAULT_MIX): SimulatedJob[] {
  const random = seededRandom(options.seed);
  return Array.from({ length: options.jobs }, () => drawJob(random, options));
}

/** Items finished at `atMs` (interpolated between knots, rounded down like a real counter). */
export function doneAt(job: SimulatedJob, atMs: number): number {
  const knots = job.knots;
  for (let i = 1; i < knots.length; i++) {
    const a = knots[i - 1] as { atMs: number; done: number };
    const b = knots[i] as { atMs: number; done: number };
    if (atMs <= b.atMs) {
      const share = b.atMs === a.atMs ? 1 : (atMs - a.atMs) / (b.atMs - a.atMs);
      return Math.floor(a.done + clamp(share, 0, 1) * (b.done - a.done));
    }
  }
  return job.total;
}
