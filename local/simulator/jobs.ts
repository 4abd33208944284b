/** The simulated jobs, keyed by lower-case id: what the status endpoint serves and the local run saves. */
import {
  finalCredits,
  finishedAtMs,
  resolvePlan,
  type PersistedJobPlan,
  type ResolvedJobPlan,
  type SimulatedJobPlan,
} from './plan.js';

export class SimulatedJobs {
  private readonly plans = new Map<string, ResolvedJobPlan>();
  /**
   * Every job's finishing instant, ascending, with the credits charged up to each: built on the first
   * credit query after a change, so each answer's x-credit-remaining header costs a binary search
   * instead of a document per job (O(jobs) per request made the simulator a tick's bottleneck).
   */
  private ledger: { readonly finishedMs: Float64Array; readonly creditsUpTo: Float64Array } | null = null;

  /**
   * Registers a job and returns its id (lower-case); `newJobId` names it when the plan does not.
   *
   * @throws on an invalid plan or a duplicate id.
   */
  create(plan: SimulatedJobPlan, newJobId: () => string, now: Date): string {
    const resolved = resolvePlan(plan, { jobId: newJobId, now });
    if (this.plans.has(resolved.jobId)) throw new Error(`Job ${resolved.jobId} already exists.`);
    this.plans.set(resolved.jobId, resolved);
    this.ledger = null;
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
    this.ledger = null;
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
    this.ledger = null;
  }

  /**
   * Credits all jobs have been charged by `nowMs`, as the account endpoint reports them: a job is
   * charged its final credits at its finishing instant (see `documentAt`), whichever way the clock moves.
   */
  creditsUsed(nowMs: number): number {
    this.ledger ??= this.buildLedger();
    const { finishedMs, creditsUpTo } = this.ledger;
    // How many jobs have finished by nowMs: the first index whose finishing instant is later.
    let low = 0;
    let high = finishedMs.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((finishedMs[middle] ?? 0) <= nowMs) low = middle + 1;
      else high = middle;
    }
    return creditsUpTo[low] ?? 0;
  }

  private buildLedger(): { finishedMs: Float64Array; creditsUpTo: Float64Array } {
    const byFinish = [...this.plans.values()].sort((a, b) => finishedAtMs(a) - finishedAtMs(b));
    const finishedMs = new Float64Array(byFinish.length);
    const creditsUpTo = new Float64Array(byFinish.length + 1);
    byFinish.forEach((plan, index) => {
      finishedMs[index] = finishedAtMs(plan);
      creditsUpTo[index + 1] = (creditsUpTo[index] ?? 0) + finalCredits(plan);
    });
    return { finishedMs, creditsUpTo };
  }
}
