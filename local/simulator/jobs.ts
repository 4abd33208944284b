/** The simulated jobs, keyed by lower-case id: what the status endpoint serves and the local run saves. */
import {
  documentAt,
  resolvePlan,
  type PersistedJobPlan,
  type ResolvedJobPlan,
  type SimulatedJobPlan,
} from './plan.js';

export class SimulatedJobs {
  private readonly plans = new Map<string, ResolvedJobPlan>();

  /**
   * Registers a job and returns its id (lower-case); `newJobId` names it when the plan does not.
   *
   * @throws on an invalid plan or a duplicate id.
   */
  create(plan: SimulatedJobPlan, newJobId: () => string, now: Date): string {
    const resolved = resolvePlan(plan, { jobId: newJobId, now });
    if (this.plans.has(resolved.jobId)) throw new Error(`Job ${resolved.jobId} already exists.`);
    this.plans.set(resolved.jobId, resolved);
    return resolved.jobId;
  }

  get(jobId: string): ResolvedJobPlan | undefined {
    return this.plans.get(jobId.toLowerCase());
  }

  /** @throws when no job has this id. */
  require(jobId: string): ResolvedJobPlan {
    const plan = this.get(jobId);
    if (!plan) throw new Error(`Unknown simulated job ${jobId}.`);
    return plan;
  }

  forget(jobId: string): void {
    this.plans.delete(jobId.toLowerCase());
  }

  /** Every job's full plan, JSON-serialisable: `createdAt` is an ISO-8601 string. */
  export(): PersistedJobPlan[] {
    return [...this.plans.values()].map((plan) => ({ ...plan, createdAt: plan.createdAt.toISOString() }));
  }

  /**
   * Adds (or replaces, by id) exported jobs. All plans are validated before any is stored, so a
   * corrupted file changes nothing.
   *
   * @throws on an invalid plan, or one without its jobId.
   */
  import(plans: readonly PersistedJobPlan[], now: Date): void {
    const missingId = (): string => {
      throw new RangeError('An imported plan needs its jobId.');
    };
    const resolved = plans.map((plan) =>
      resolvePlan({ ...plan, createdAt: new Date(plan.createdAt) }, { jobId: missingId, now }),
    );
    for (const plan of resolved) this.plans.set(plan.jobId, plan);
  }

  /** Credits all jobs have been charged by `nowMs`, as the account endpoint reports them. */
  creditsUsed(nowMs: number): number {
    let used = 0;
    for (const plan of this.plans.values()) used += documentAt(plan, nowMs).credits_charged;
    return used;
  }
}
