/**
 * The demo jobs a fresh local run starts with: created in the simulator and tracked like any other
 * job, so the first minute of `npm start` shows transitions, completions and failures.
 */
import { trackJob, type TrackOutcome } from '../functions/core/use-cases/track-job.js';
import type { Clock, JobStore } from '../functions/core/ports.js';
import type { CompanyEnrichSimulator, SimulatedJobPlan } from './simulator/index.js';

/** Environment variable scaling demo job durations (1 = 20-90 s of wall time; tests use e.g. 0.05). */
export const DEMO_SCALE_VARIABLE = 'ENRICH_JOB_WATCH_DEMO_SCALE';

interface DemoJob {
  label: string;
  metadata: Record<string, string>;
  /** Phase durations in seconds at scale 1. */
  plan: Omit<SimulatedJobPlan, 'pendingMs' | 'processingMs' | 'completingMs'> & {
    pendingS: number;
    processingS: number;
    completingS: number;
  };
}

/** Mixed sizes, two failures, finishing between 21 and 83 seconds after seeding. */
const DEMO_JOBS: readonly DemoJob[] = [
  {
    label: 'Q3 trade-show leads',
    metadata: { owner: 'maria', campaign: 'q3-events' },
    plan: { totalDomains: 180, pendingS: 4, processingS: 14, completingS: 3, outcome: 'completed' },
  },
  {
    label: 'Newsletter signups (EU)',
    metadata: { owner: 'sam', region: 'eu' },
    plan: {
      totalDomains: 60,
      pendingS: 6,
      processingS: 20,
      completingS: 4,
      outcome: 'failed',
      failureMessage: 'Bulk enrichment failed: an internal error occurred while writing the results file.',
    },
  },
  {
    label: 'Website demo requests',
    metadata: { owner: 'lee', source: 'webflow' },
    plan: { totalDomains: 25, pendingS: 10, processingS: 20, completingS: 6, outcome: 'completed' },
  },
  {
    label: 'Partner directory',
    metadata: { owner: 'lee', campaign: 'partners' },
    plan: {
      totalDomains: 420,
      pendingS: 5,
      processingS: 35,
      completingS: 5,
      outcome: 'completed',
      successRatio: 0.91,
    },
  },
  {
    label: 'Churned customers 2025',
    metadata: { owner: 'ops', ticket: 'CS-1042' },
    plan: {
      totalDomains: 900,
      pendingS: 10,
      processingS: 45,
      completingS: 5,
      outcome: 'failed',
      failureMessage:
        'Bulk enrichment failed: the upstream data provider is unavailable. No further credits were charged.',
    },
  },
  {
    label: 'CRM backfill - accounts',
    metadata: { owner: 'ops', source: 'salesforce' },
    plan: { totalDomains: 2000, pendingS: 8, processingS: 70, completingS: 5, outcome: 'completed' },
  },
];

/** A seeded demo job and when the simulator will finish it. */
export interface SeededDemoJob {
  outcome: TrackOutcome;
  finishesInMs: number;
  finalStatus: 'completed' | 'failed';
}

/**
 * Parses the demo duration scale.
 *
 * @returns the scale, 1 when unset; null when the value is not a number in (0, 10].
 */
export function parseDemoScale(raw: string | undefined): number | null {
  if (raw === undefined || raw.trim() === '') return 1;
  const scale = Number(raw);
  return Number.isFinite(scale) && scale > 0 && scale <= 10 ? scale : null;
}

/** Creates the demo jobs in the simulator and tracks them. */
export async function seedDemoJobs(
  simulator: CompanyEnrichSimulator,
  deps: { jobs: JobStore; clock: Clock },
  scale: number,
): Promise<SeededDemoJob[]> {
  const seeded: SeededDemoJob[] = [];
  for (const demo of DEMO_JOBS) {
    const { pendingS, processingS, completingS, ...rest } = demo.plan;
    const ms = (seconds: number): number => Math.round(seconds * 1000 * scale);
    const jobId = simulator.createJob({
      ...rest,
      pendingMs: ms(pendingS),
      processingMs: ms(processingS),
      completingMs: ms(completingS),
    });
    const outcome = await trackJob(deps, { jobId, label: demo.label, metadata: demo.metadata });
    seeded.push({
      outcome,
      finishesInMs: ms(pendingS + processingS + completingS),
      finalStatus: rest.outcome,
    });
  }
  return seeded;
}
