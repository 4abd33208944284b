import { createHash } from 'node:crypto';

/** The five lifecycle values CompanyEnrich documents for a bulk job. */
export type BulkJobStatus = 'pending' | 'processing' | 'completing' | 'completed' | 'failed';

/** The 200 body of `GET /companies/enrich/bulk/{jobId}`, with every documented field present. */
export interface BulkJobStatusDocument {
  job_id: string;
  status: BulkJobStatus;
  total_domains: number;
  success_count: number;
  failed_count: number;
  credits_charged: number;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  results_url: string | null;
  error_message: string | null;
}

/** How one simulated job moves through its lifecycle; see the package README in `index.ts`. */
export interface SimulatedJobPlan {
  /** Defaults to a uuid v4 drawn from the simulator's seeded generator. */
  jobId?: string;
  /** 1..10000. */
  totalDomains: number;
  /** Defaults to the simulator clock at creation. */
  createdAt?: Date;
  pendingMs: number;
  /** `success_count` and `failed_count` grow linearly during this phase. */
  processingMs: number;
  completingMs: number;
  outcome: 'completed' | 'failed';
  /** `error_message` once failed; defaults to {@link DEFAULT_FAILURE_MESSAGE}. */
  failureMessage?: string;
  /** Fraction of domains enriched; defaults to 0.97. */
  successRatio?: number;
}

/** A plan as `exportJobs()` writes it: every default filled in and `createdAt` as an ISO-8601 string. */
export interface PersistedJobPlan extends Omit<SimulatedJobPlan, 'jobId' | 'createdAt'> {
  jobId: string;
  createdAt: string;
}

/** A plan with every default filled in: what the simulator stores. */
export interface ResolvedJobPlan extends Omit<SimulatedJobPlan, 'jobId' | 'createdAt' | 'successRatio'> {
  jobId: string;
  createdAt: Date;
  successRatio: number;
}

export const MAX_DOMAINS_PER_JOB = 10_000;
export const DEFAULT_SUCCESS_RATIO = 0.97;
export const DEFAULT_FAILURE_MESSAGE =
  'Bulk enrichment failed: the job exceeded the maximum processing time.';
/** Any uuid version, as the API only promises "uuid". */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const REALISTIC_FAILURE_MESSAGES = [
  DEFAULT_FAILURE_MESSAGE,
  'Bulk enrichment failed: an internal error occurred while writing the results file.',
  'Bulk enrichment failed: the upstream data provider is unavailable. No further credits were charged.',
];

/**
 * Fills in a plan's defaults and rejects plans the real API could never produce, so a typo in a test or
 * a corrupted persisted file fails loudly instead of serving nonsense.
 *
 * @throws RangeError describing the first invalid field.
 */
export function resolvePlan(
  plan: SimulatedJobPlan,
  defaults: { jobId: () => string; now: Date },
): ResolvedJobPlan {
  const resolved: ResolvedJobPlan = {
    jobId: (plan.jobId ?? defaults.jobId()).toLowerCase(),
    totalDomains: plan.totalDomains,
    createdAt: plan.createdAt ?? defaults.now,
    pendingMs: plan.pendingMs,
    processingMs: plan.processingMs,
    completingMs: plan.completingMs,
    outcome: plan.outcome,
    successRatio: plan.successRatio ?? DEFAULT_SUCCESS_RATIO,
  };
  if (plan.outcome === 'failed') resolved.failureMessage = plan.failureMessage ?? DEFAULT_FAILURE_MESSAGE;

  const problem = findPlanProblem(resolved, plan.failureMessage);
  if (problem !== undefined)
    throw new RangeError(`Invalid simulated job plan ${String(plan.jobId)}: ${problem}`);
  return resolved;
}

function findPlanProblem(plan: ResolvedJobPlan, failureMessage: unknown): string | undefined {
  // Plans also arrive from JSON files, so every field is checked at run time despite the static types.
  if (typeof plan.jobId !== 'string' || !UUID_PATTERN.test(plan.jobId)) return 'jobId must be a uuid';
  const { totalDomains } = plan;
  if (!Number.isInteger(totalDomains) || totalDomains < 1 || totalDomains > MAX_DOMAINS_PER_JOB) {
    return `totalDomains must be an integer in 1..${MAX_DOMAINS_PER_JOB}`;
  }
  if (!(plan.createdAt instanceof Date) || Number.isNaN(plan.createdAt.getTime()))
    return 'createdAt is not a date';
  for (const phase of ['pendingMs', 'processingMs', 'completingMs'] as const) {
    const duration = plan[phase];
    if (typeof duration !== 'number' || !Number.isFinite(duration) || duration < 0) {
      return `${phase} must be a finite number >= 0`;
    }
  }
  const outcomes: readonly string[] = ['completed', 'failed'];
  if (!outcomes.includes(plan.outcome)) return 'outcome must be completed or failed';
  const ratio = plan.successRatio;
  if (typeof ratio !== 'number' || !(ratio >= 0 && ratio <= 1)) return 'successRatio must be in [0, 1]';
  if (failureMessage !== undefined && typeof failureMessage !== 'string')
    return 'failureMessage must be a string';
  return undefined;
}

interface PhaseBoundaries {
  createdMs: number;
  startedMs: number;
  processedMs: number;
  finishedMs: number;
}

/** What never changes for a plan: its boundaries and the strings every document repeats. */
interface PlanConstants extends PhaseBoundaries {
  finalSuccessCount: number;
  createdAt: string;
  startedAt: string;
  completedAt: string;
  /** Hashed on first use: only completed documents carry it. */
  resultsUrl: string | null;
}

/**
 * Per plan object, computed once: a tick asks for thousands of documents a second, and dates
 * formatted and URLs hashed on every answer made the simulator the bottleneck. Keyed weakly, so a
 * forgotten plan's entry goes with it; plans are never mutated once resolved.
 */
const constantsByPlan = new WeakMap<ResolvedJobPlan, PlanConstants>();

function planConstants(plan: ResolvedJobPlan): PlanConstants {
  let constants = constantsByPlan.get(plan);
  if (constants === undefined) {
    const createdMs = plan.createdAt.getTime();
    const startedMs = createdMs + plan.pendingMs;
    const processedMs = startedMs + plan.processingMs;
    const finishedMs = processedMs + plan.completingMs;
    constants = {
      createdMs,
      startedMs,
      processedMs,
      finishedMs,
      finalSuccessCount: Math.round(plan.totalDomains * plan.successRatio),
      createdAt: new Date(createdMs).toISOString(),
      startedAt: new Date(startedMs).toISOString(),
      completedAt: new Date(finishedMs).toISOString(),
      resultsUrl: null,
    };
    constantsByPlan.set(plan, constants);
  }
  return constants;
}

/** The instant the plan's job ends (completed or failed), in epoch milliseconds. */
export function finishedAtMs(plan: ResolvedJobPlan): number {
  return planConstants(plan).finishedMs;
}

/** The credits the job is charged once it ends (see {@link documentAt}'s billing choice). */
export function finalCredits(plan: ResolvedJobPlan): number {
  return planConstants(plan).finalSuccessCount;
}

/**
 * The status document a normal 200 reports for `plan` at instant `nowMs`.
 *
 * Billing choice: credits are 0 until the job is terminal, then equal `success_count`. That holds for
 * failed jobs too (the failure is modelled as happening while results are assembled, after every domain
 * was attempted), because a watcher must never assume a failed job was free.
 */
export function documentAt(plan: ResolvedJobPlan, nowMs: number): BulkJobStatusDocument {
  const constants = planConstants(plan);
  const { startedMs, processedMs, finishedMs, finalSuccessCount } = constants;
  const status: BulkJobStatus =
    nowMs < startedMs
      ? 'pending'
      : nowMs < processedMs
        ? 'processing'
        : nowMs < finishedMs
          ? 'completing'
          : plan.outcome;
  const progress =
    status === 'pending'
      ? 0
      : plan.processingMs === 0
        ? 1
        : Math.min(1, (nowMs - startedMs) / plan.processingMs);
  const successCount = Math.floor(finalSuccessCount * progress);
  const isTerminal = status === 'completed' || status === 'failed';
  if (status === 'completed') constants.resultsUrl ??= presignedResultsUrl(plan.jobId, finishedMs);
  return {
    job_id: plan.jobId,
    status,
    total_domains: plan.totalDomains,
    success_count: successCount,
    failed_count: Math.floor((plan.totalDomains - finalSuccessCount) * progress),
    credits_charged: isTerminal ? successCount : 0,
    created_at: constants.createdAt,
    started_at: status === 'pending' ? null : constants.startedAt,
    completed_at: isTerminal ? constants.completedAt : null,
    results_url: status === 'completed' ? constants.resultsUrl : null,
    error_message: status === 'failed' ? (plan.failureMessage ?? DEFAULT_FAILURE_MESSAGE) : null,
  };
}

/**
 * A document claiming `status` with the counts of the middle of that phase: what a lagging replica would
 * serve. Unknown status strings are reported as-is with the final counts.
 */
export function staleDocument(
  plan: ResolvedJobPlan,
  status: string,
): Omit<BulkJobStatusDocument, 'status'> & { status: string } {
  const { createdMs, startedMs, processedMs, finishedMs } = planConstants(plan);
  const middleOfPhase: Record<string, number> = {
    pending: createdMs + plan.pendingMs / 2,
    processing: startedMs + plan.processingMs / 2,
    completing: processedMs + plan.completingMs / 2,
  };
  return { ...documentAt(plan, middleOfPhase[status] ?? finishedMs), status };
}

/** Looks like an S3 pre-signed URL so that code redacting such URLs in logs is exercised for real. */
function presignedResultsUrl(jobId: string, completedMs: number): string {
  const amzDate = new Date(completedMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const signature = createHash('sha256').update(`${jobId}:${completedMs}`).digest('hex');
  const credential = `AKIASIMULATOR000000%2F${amzDate.slice(0, 8)}%2Fus-east-1%2Fs3%2Faws4_request`;
  return (
    `https://results.companyenrich.example/bulk/${jobId}.jsonl?X-Amz-Algorithm=AWS4-HMAC-SHA256` +
    `&X-Amz-Credential=${credential}&X-Amz-Date=${amzDate}&X-Amz-Expires=3600&X-Amz-SignedHeaders=host` +
    `&X-Amz-Signature=${signature}`
  );
}

/** Options for {@link planRandomJob}. */
export interface RandomJobOptions {
  /** Multiplies every phase duration: 1 is "minutes for a big job", 0.1 suits a quick demo. Default 1. */
  durationScale?: number;
}

/**
 * A plausible job for demos and for jobs created through `POST /companies/enrich/bulk`: 5..2000 domains
 * (skewed towards small uploads), 1-20 s pending, 20-150 ms per domain processing, 1-8 s completing
 * (all times `durationScale`), about a quarter of them failing. `overrides` win over every drawn value.
 */
export function planRandomJob(
  random: () => number,
  overrides: Partial<SimulatedJobPlan> = {},
  options: RandomJobOptions = {},
): SimulatedJobPlan {
  const scale = options.durationScale ?? 1;
  const totalDomains = overrides.totalDomains ?? 5 + Math.floor(random() ** 2 * 1996);
  const outcome = overrides.outcome ?? (random() < 0.25 ? 'failed' : 'completed');
  const failureMessage =
    REALISTIC_FAILURE_MESSAGES[Math.floor(random() * REALISTIC_FAILURE_MESSAGES.length)] ??
    DEFAULT_FAILURE_MESSAGE;
  return {
    totalDomains,
    pendingMs: Math.round((1_000 + random() * 19_000) * scale),
    processingMs: Math.round(totalDomains * (20 + random() * 130) * scale),
    completingMs: Math.round((1_000 + random() * 7_000) * scale),
    outcome,
    ...(outcome === 'failed' ? { failureMessage } : {}),
    successRatio: Math.round((0.8 + random() * 0.2) * 1000) / 1000,
    ...overrides,
  };
}
