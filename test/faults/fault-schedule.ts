/**
 * The fault run's plan, drawn from one seed: the jobs (what really happens to each, and when),
 * the per-job API faults, the account-wide incidents (each in its own window), the AWS faults,
 * the kills and the webhook callbacks. Everything the run does and everything the table
 * expects comes from here, so a seed replays the same run.
 */
import { seededRandom } from '../../local/random.js';
import type { SimulatedJobPlan, SimulatorFault, StatusFault } from '../../local/simulator/index.js';

export const MINUTE = 60_000;

/** How big a run is. */
export interface FaultRunSize {
  name: 'full' | 'ci';
  jobs: number;
  /** Invocations of the poll function started together at every minute. */
  concurrentTicks: number;
  /** Simulated minutes, one scheduled tick each. */
  minutes: number;
}

export const FULL_SIZE: FaultRunSize = { name: 'full', jobs: 500, concurrentTicks: 8, minutes: 60 };
export const CI_SIZE: FaultRunSize = { name: 'ci', jobs: 60, concurrentTicks: 4, minutes: 45 };

/** The AWS faults and the kills come first, while the API behaves; the API incidents follow. */
const AWS_TRACK = {
  publishOutage: { from: 2, minutes: 5 },
  throttle: { from: 5, minutes: 3 },
  killAfterTerminalWrite: { from: 8, minutes: 3 },
  killAfterPublish: { from: 11, minutes: 3 },
} as const;
const API_TRACK_FROM = 14;

/**
 * The account-wide API incidents, and the incident kind a correct watcher opens for each (null:
 * none; a 429 pauses without alerting, a rotated key is picked up without alerting).
 */
export const INCIDENTS = {
  throttledRetryAfter: { expectedKind: null },
  throttled: { expectedKind: null },
  unauthorizedThenGateway: { expectedKind: 'unauthorized' },
  forbidden: { expectedKind: 'forbidden' },
  wrongBasePath: { expectedKind: 'systematic_not_found' },
  rejectEverything: { expectedKind: 'systematic_rejected' },
  keyRotated: { expectedKind: null },
} as const;

export type IncidentName = keyof typeof INCIDENTS;

/** One account-wide incident: from `from` (a minute index) for `minutes` minutes. */
export interface IncidentWindow {
  name: IncidentName;
  from: number;
  minutes: number;
  /** What the simulator serves to every status request, minute by minute (null: normal). */
  serve: (StatusFault | 'unauthorized' | 'rotate-key' | null)[];
}

/** A job as it really goes, and what the run does to it. */
export interface PlannedJob {
  plan: Required<Pick<SimulatedJobPlan, 'jobId'>> & SimulatedJobPlan;
  /** When it really ends (ms after the start of the run). */
  endsAfterMs: number;
  webhook: boolean;
  /** Per-job faults, queued at the start of minute `at`. */
  faults: { at: number; sequence: SimulatorFault[] }[];
  /** Completion callbacks, ms after the start of the run (several, some early: out of order). */
  callbacksAfterMs: number[];
}

export interface FaultSchedule {
  seed: number;
  size: FaultRunSize;
  /** The minutes in which faults are scheduled; the rest of the run lets the watcher catch up. */
  faultMinutes: number;
  jobs: PlannedJob[];
  incidents: IncidentWindow[];
  /** SNS Publish fails on the email and SMS topics during these minutes. */
  publishOutage: { from: number; minutes: number };
  /** Writes to these jobs' items are throttled during these minutes. */
  throttle: { from: number; minutes: number; jobIds: string[] };
  /** An invocation that writes a terminal transition (or publishes one) in these minutes may die right after. */
  killAfterTerminalWrite: { from: number; minutes: number; probability: number };
  killAfterPublish: { from: number; minutes: number; probability: number };
}

const REQUEST_TIMEOUT_MS = 1_000;
/** The API timeout the run gives the function (the deployed default is longer; only the scale differs). */
export const FAULT_RUN_API_TIMEOUT_MS = REQUEST_TIMEOUT_MS;

function uuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Per-job misbehaviours: none of them says anything about the account. */
function perJobFault(random: () => number): SimulatorFault {
  const choices: (() => SimulatorFault)[] = [
    () => ({ kind: 'http', status: 500 }),
    () => ({ kind: 'http', status: 502, body: '<html>Bad Gateway</html>' }),
    () => ({ kind: 'http', status: 503, headers: { 'retry-after': '5' } }),
    () => ({ kind: 'reset' }),
    // Past the watcher's request timeout (and the Lambda's deadline for that request).
    () => ({ kind: 'delay', ms: REQUEST_TIMEOUT_MS * 3 }),
    () => ({ kind: 'garbage' }),
    () => ({ kind: 'http', status: 200, body: '{"job_id": "trunc' }),
    () => ({ kind: 'wrong-shape' }),
    () => ({ kind: 'stale', status: 'pending' }),
    () => ({ kind: 'unknown-status', status: 'archiving' }),
  ];
  const choice = choices[Math.floor(random() * choices.length)];
  if (!choice) throw new RangeError('random() must be in [0, 1)');
  return choice();
}

function planJob(random: () => number, faultMinutes: number, index: number): PlannedJob {
  const jobId = uuid(random);
  // Every job ends inside the fault phase, so each one is expected to be reached by the end.
  const endsAfterMs = Math.round((1.5 + random() * (faultMinutes - 1.5)) * MINUTE);
  const completingMs = Math.round((0.2 + random() * 1.5) * MINUTE);
  const pendingMs = Math.round((endsAfterMs - completingMs) * random() * 0.4);
  const processingMs = endsAfterMs - completingMs - pendingMs;
  const outcome = random() < 0.25 ? 'failed' : 'completed';
  const webhook = random() < 0.3;
  const faults: PlannedJob['faults'] = [];
  if (random() < 0.4) {
    const length = 1 + Math.floor(random() * 3);
    const at = Math.floor(random() * faultMinutes);
    faults.push({ at, sequence: Array.from({ length }, () => perJobFault(random)) });
  }
  const callbacksAfterMs: number[] = [];
  if (webhook) {
    const copies = 1 + Math.floor(random() * 3);
    for (let copy = 0; copy < copies; copy += 1) callbacksAfterMs.push(endsAfterMs + random() * 1.5 * MINUTE);
    // A callback that arrives before the job has ended (a retry of an earlier stage, a clock skew).
    if (random() < 0.2) callbacksAfterMs.push(Math.max(0, endsAfterMs - random() * 2 * MINUTE));
  }
  return {
    plan: {
      jobId,
      totalDomains: 10 + Math.floor(random() * 4990),
      pendingMs,
      processingMs,
      completingMs,
      outcome,
      ...(outcome === 'failed' ? { failureMessage: `Job ${index} failed on purpose.` } : {}),
    },
    endsAfterMs,
    webhook,
    faults,
    callbacksAfterMs,
  };
}

const problem404: StatusFault = { kind: 'http', status: 404 };
const problem400: StatusFault = { kind: 'http', status: 400 };

/**
 * The incidents one after the other, each with a gap after it for the watcher to recover.
 */
function incidentWindows(faultMinutes: number): IncidentWindow[] {
  const first = API_TRACK_FROM;
  const parts: Omit<IncidentWindow, 'from'>[] = [
    // First, while many jobs still run: a watcher that misses the rotation has jobs to fail on.
    { name: 'keyRotated', minutes: 1, serve: ['rotate-key'] },
    {
      name: 'throttledRetryAfter',
      minutes: 1,
      serve: [{ kind: 'http', status: 429, headers: { 'retry-after': '90' } }],
    },
    { name: 'throttled', minutes: 1, serve: [{ kind: 'http', status: 429 }] },
    {
      name: 'unauthorizedThenGateway',
      minutes: 2,
      serve: ['unauthorized', { kind: 'http', status: 503, body: '<html>Service Unavailable</html>' }],
    },
    {
      name: 'forbidden',
      minutes: 2,
      serve: [
        { kind: 'http', status: 403 },
        { kind: 'http', status: 403 },
      ],
    },
    { name: 'wrongBasePath', minutes: 4, serve: [problem404, problem404, problem404, problem404] },
    { name: 'rejectEverything', minutes: 3, serve: [problem400, problem400, problem400] },
  ];
  const busy = parts.reduce((sum, part) => sum + part.minutes, 0);
  const gap = Math.max(1, Math.floor((faultMinutes - first - busy) / parts.length));
  let from = first;
  return parts.map((part) => {
    const window = { ...part, from };
    from += part.minutes + gap;
    return window;
  });
}

/** The whole run, from `seed`. */
export function planFaultRun(seed: number, size: FaultRunSize): FaultSchedule {
  const random = seededRandom(seed);
  const drain = Math.max(10, Math.round(size.minutes * 0.25));
  const faultMinutes = size.minutes - drain;
  const jobs = Array.from({ length: size.jobs }, (_, index) => planJob(random, faultMinutes, index));
  const throttled = jobs.filter(() => random() < 0.15).map((job) => job.plan.jobId);
  return {
    seed,
    size,
    faultMinutes,
    jobs,
    incidents: incidentWindows(faultMinutes),
    publishOutage: AWS_TRACK.publishOutage,
    throttle: { ...AWS_TRACK.throttle, jobIds: throttled },
    killAfterTerminalWrite: { ...AWS_TRACK.killAfterTerminalWrite, probability: 0.5 },
    killAfterPublish: { ...AWS_TRACK.killAfterPublish, probability: 0.5 },
  };
}

/** The seed `npm test` runs with, so CI replays the same run every time. */
export const DEFAULT_FAULT_SEED = 8;

/**
 * The seed from `FAULT_SEED` (`random` draws a fresh one; the run prints it so it can be
 * replayed), or {@link DEFAULT_FAULT_SEED}.
 */
export function faultSeed(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.FAULT_SEED?.trim();
  if (raw === 'random') return Math.floor(Math.random() * 2 ** 31);
  if (raw) {
    const seed = Number(raw);
    if (!Number.isSafeInteger(seed)) throw new Error(`FAULT_SEED must be an integer (got ${raw})`);
    return seed;
  }
  return DEFAULT_FAULT_SEED;
}

/** The size from `FAULT_RUN_SIZE` (`full` or `ci`, default `ci`). */
export function faultRunSize(env: NodeJS.ProcessEnv = process.env): FaultRunSize {
  const name = env.FAULT_RUN_SIZE?.trim() || 'ci';
  if (name === 'full') return FULL_SIZE;
  if (name === 'ci') return CI_SIZE;
  throw new Error(`FAULT_RUN_SIZE must be full or ci (got ${name})`);
}
