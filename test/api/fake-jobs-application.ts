import type {
  JobsApplication,
  SubmitCommand,
  SubmitResult,
  TrackCommand,
  TrackResult,
} from '../../functions/core/application.js';
import { JobNotTrackedError } from '../../functions/core/domain/errors.js';
import type { TrackedJob } from '../../functions/core/domain/job.js';
import type { JobListQuery, JobPage } from '../../functions/core/ports.js';
import { trackedJob } from '../support/builders.js';

export type Call =
  | { method: 'track'; command: TrackCommand }
  | { method: 'submit'; command: SubmitCommand; signal: AbortSignal }
  | { method: 'get' | 'untrack'; jobId: string }
  | { method: 'list'; query: JobListQuery };

/**
 * An in-memory `JobsApplication` that records every call, for tests where only the HTTP mapping
 * matters. `failNext` makes the next call throw, as the real application would.
 */
export class FakeJobsApplication implements JobsApplication {
  readonly calls: Call[] = [];
  readonly jobs = new Map<string, TrackedJob>();
  /** Submissions by idempotency key, so a retry replays. */
  private readonly submissions = new Map<string, SubmitResult>();
  private failure: Error | null = null;
  private nextJobNumber = 1;

  /** The next call throws `error` (once). */
  failNext(error: Error): void {
    this.failure = error;
  }

  /** Records the call, then answers with `body()` or the pending failure, asynchronously. */
  private answer<T>(call: Call, body: () => T): Promise<T> {
    this.calls.push(call);
    const failure = this.failure;
    this.failure = null;
    if (failure) return Promise.reject(failure);
    try {
      return Promise.resolve(body());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  track(command: TrackCommand): Promise<TrackResult> {
    return this.answer({ method: 'track', command }, () => {
      const jobId = command.jobId.toLowerCase();
      const existing = this.jobs.get(jobId);
      if (existing) return { outcome: 'already_tracked', job: existing };
      const job = trackedJob({ jobId, label: command.label ?? null, metadata: command.metadata ?? {} });
      this.jobs.set(jobId, job);
      return { outcome: 'tracked', job };
    });
  }

  submit(command: SubmitCommand, options: { signal: AbortSignal }): Promise<SubmitResult> {
    return this.answer({ method: 'submit', command, signal: options.signal }, () => {
      const previous = command.idempotencyKey ? this.submissions.get(command.idempotencyKey) : undefined;
      if (previous) return { ...previous, outcome: 'replayed' as const };
      const jobId = `00000000-0000-4000-8000-${String(this.nextJobNumber++).padStart(12, '0')}`;
      const normalised = command.domains.map((domain) => domain.toLowerCase());
      const duplicatesRemoved = [
        ...new Set(normalised.filter((domain, index) => normalised.indexOf(domain) !== index)),
      ];
      const job = trackedJob({ jobId, label: command.label ?? null, metadata: command.metadata ?? {} });
      this.jobs.set(jobId, job);
      const result: SubmitResult = {
        outcome: 'created',
        jobId,
        domainCount: new Set(normalised).size,
        duplicatesRemoved,
        tracking: 'tracked',
        job,
      };
      if (command.idempotencyKey) this.submissions.set(command.idempotencyKey, result);
      return result;
    });
  }

  get(jobId: string): Promise<TrackedJob> {
    return this.answer({ method: 'get', jobId }, () => this.existing(jobId));
  }

  list(query: JobListQuery): Promise<JobPage> {
    return this.answer({ method: 'list', query }, () => {
      const all = [...this.jobs.values()].filter((job) => !query.status || job.status === query.status);
      const start = query.cursor ? Number(query.cursor) : 0;
      const next = start + query.limit < all.length ? String(start + query.limit) : null;
      const jobs = all.slice(start, start + query.limit).map((job) => ({
        jobId: job.jobId,
        status: job.status,
        label: job.label,
        trackedAt: job.trackedAt,
        untrackedAt: null,
      }));
      return { jobs, nextCursor: next };
    });
  }

  untrack(jobId: string): Promise<TrackedJob> {
    return this.answer({ method: 'untrack', jobId }, () => this.existing(jobId));
  }

  private existing(jobId: string): TrackedJob {
    const job = this.jobs.get(jobId);
    if (!job) throw new JobNotTrackedError(jobId);
    return job;
  }
}
