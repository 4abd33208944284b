/** The CLI's commands: thin adapters from arguments to the core use cases. */
import { z } from 'zod';
import { ValidationError } from '../functions/core/domain/errors.js';
import { isJobStatus, JobStatus } from '../functions/core/domain/job-status.js';
import { listJobs, toJobView } from '../functions/core/use-cases/list-jobs.js';
import { runPollTick, TickIncompleteError, type TickSummary } from '../functions/core/use-cases/poll-tick.js';
import { trackJob } from '../functions/core/use-cases/track-job.js';
import { runLocalWatcher } from '../local/run.js';
import { ExitCode } from './exit-code.js';
import { createNotifier, openJobStore, openStatusApi, Resources, type CliContext } from './environment.js';
import { TransitionReportingStore } from './observed-store.js';
import { formatJobsTable, formatTickSummary, formatTransition, jobName, plural } from './output.js';

/** Runs `use` with resources that are always released, whatever happens. */
async function withResources<T>(context: CliContext, use: (resources: Resources) => Promise<T>): Promise<T> {
  const resources = new Resources(context.log);
  try {
    return await use(resources);
  } finally {
    await resources.closeAll();
  }
}

/**
 * Under `npm start` one Ctrl-C arrives twice: from the terminal and forwarded by npm. Repeats
 * within this window are that echo, not a second Ctrl-C.
 */
const SIGNAL_ECHO_MS = 1_000;

/** Aborts on Ctrl-C (or SIGTERM) while `use` runs; a second Ctrl-C exits at once. */
async function withInterrupt<T>(context: CliContext, use: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let firstSignalAt: number | null = null;
  const onSignal = (name: NodeJS.Signals): void => {
    if (firstSignalAt !== null) {
      if (Date.now() - firstSignalAt > SIGNAL_ECHO_MS) process.exit(130);
      return;
    }
    firstSignalAt = Date.now();
    context.print(`${name} received: stopping (press Ctrl-C again to exit at once)...`);
    controller.abort(new Error(`${name} received`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await use(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `track <jobId>`: starts watching a job; tracking it again changes nothing and says so. */
export async function trackCommand(
  context: CliContext,
  jobId: string,
  options: { label?: string; meta?: Record<string, string> },
): Promise<number> {
  return withResources(context, async (resources) => {
    const { store } = await openJobStore(context, 'command', resources);
    const result = await trackJob(
      { jobs: store, clock: { now: () => new Date() } },
      { jobId, label: options.label ?? null, metadata: options.meta ?? {} },
    );
    const { job } = result;
    if (result.outcome === 'tracked') {
      context.print(
        `Now tracking ${job.jobId}${job.label ? ` (${job.label})` : ''}. It is checked on the next poll tick.`,
      );
      const metadata = Object.entries(job.metadata);
      if (metadata.length > 0)
        context.print(`Metadata: ${metadata.map(([key, value]) => `${key}=${value}`).join(', ')}`);
    } else {
      context.print(
        `Already tracking ${jobName(job)} (status ${job.status}, tracked ${job.trackedAt}); nothing changed.`,
      );
      if (options.label !== undefined || options.meta !== undefined) {
        context.print(
          'The given label and metadata were not applied: a tracked job keeps the ones it was tracked with.',
        );
      }
    }
    return ExitCode.Ok;
  });
}

/** `list`: every tracked job as a table, or as JSON for tools. */
export async function listCommand(
  context: CliContext,
  options: { status?: string; json?: boolean },
): Promise<number> {
  const status = options.status;
  if (status !== undefined && !isJobStatus(status)) {
    throw new ValidationError(
      `"${options.status ?? ''}" is not a job status; use one of: ${Object.values(JobStatus).join(', ')}`,
    );
  }
  return withResources(context, async (resources) => {
    const { store } = await openJobStore(context, 'command', resources);
    const jobs = await listJobs({ jobs: store }, status ? { status } : {});
    if (options.json) {
      context.print(JSON.stringify(jobs.map(toJobView), null, 2));
    } else if (jobs.length === 0) {
      context.print(
        status
          ? `No tracked jobs are ${status}.`
          : 'No jobs tracked yet. Start with: enrich-job-watch track <jobId>',
      );
    } else {
      context.print(formatJobsTable(jobs, new Date()));
      context.print(`${plural(jobs.length, 'job')}.`);
    }
    return ExitCode.Ok;
  });
}

const isoInstant = z.iso.datetime({ offset: true });

/** The longest a one-off tick may take; the Lambda's timeout plays this part in AWS. */
const POLL_ONCE_DEADLINE_MS = 60_000;

function printSummary(context: CliContext, summary: TickSummary): void {
  context.print(`Tick at ${summary.now}: ${formatTickSummary(summary)}`);
}

/** `poll --once`: exactly one tick, as the scheduled function runs it. */
export async function pollCommand(
  context: CliContext,
  options: { once?: boolean; now?: string },
): Promise<number> {
  if (!options.once) {
    throw new ValidationError(
      'poll runs one tick and needs --once; for a continuous local run use: enrich-job-watch start',
    );
  }
  if (options.now !== undefined && !isoInstant.safeParse(options.now).success) {
    throw new ValidationError(
      `--now must be an ISO-8601 instant such as 2026-11-29T10:00:00Z (got "${options.now}")`,
    );
  }
  const now = options.now === undefined ? new Date() : new Date(options.now);
  return withResources(context, async (resources) => {
    const opened = await openJobStore(context, 'command', resources);
    const api = await openStatusApi(context, 'command', resources);
    const { notifier } = createNotifier(context, resources);
    context.log.info('Polling once', { store: opened.description, status_api: api.description });
    const store = new TransitionReportingStore(opened.store, (job, entry) => {
      context.print(formatTransition(job, entry));
    });
    const clock = { now: () => new Date() };
    try {
      const summary = await withInterrupt(context, (signal) =>
        runPollTick(
          {
            jobs: store,
            watcherState: opened.watcherState,
            statusApi: api.statusApi,
            notifier,
            log: context.log,
            clock,
            random: Math.random,
            policy: context.config.tick,
          },
          { now, deadline: new Date(Date.now() + POLL_ONCE_DEADLINE_MS), signal },
        ),
      );
      printSummary(context, summary);
      return ExitCode.Ok;
    } catch (error) {
      if (!(error instanceof TickIncompleteError)) throw error;
      printSummary(context, error.summary);
      context.log.error(`${error.message}; the jobs concerned stay due for the next tick`, {
        error: error.cause,
      });
      return ExitCode.Failed;
    }
  });
}

/** `start`: the local run, until Ctrl-C. */
export async function startCommand(context: CliContext): Promise<number> {
  await withInterrupt(context, (signal) => runLocalWatcher(context, signal));
  context.print('Stopped.');
  return ExitCode.Ok;
}
