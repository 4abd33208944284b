/**
 * `submit <file>`: creates a bulk job at CompanyEnrich from a domain file and tracks it from
 * creation; `--wait` follows it to the end.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { JobsApplication, SubmitResult } from '../../functions/core/application.js';
import type { TrackedJob } from '../../functions/core/domain/job.js';
import { ValidationError } from '../../functions/core/domain/errors.js';
import { isTerminal, JobStatus } from '../../functions/core/domain/job-status.js';
import { readRunningInstance } from '../../local/home.js';
import { openJobsApplication } from '../application.js';
import type { CliContext } from '../context.js';
import { readDomainFile, validateDomainFile } from '../domain-file.js';
import { ExitCode } from '../exit-code.js';
import { withInterrupt } from '../interrupt.js';
import { jobName } from '../output.js';
import { BarProgress, formatDuration, PlainProgress, progressOf, type ProgressDisplay } from '../progress.js';
import { withResources } from '../resources.js';

/** How often `--wait` reads the job: a single-item read, so cheap for the store and free of API calls. */
const WAIT_REFRESH_MS = 1_000;

export interface SubmitOptions {
  label?: string;
  meta?: Record<string, string>;
  idempotencyKey?: string;
  wait?: boolean;
}

function reportSubmitted(context: CliContext, result: SubmitResult): void {
  const { print } = context;
  const verb = result.outcome === 'replayed' ? 'Already submitted with this idempotency key' : 'Submitted';
  print(`${verb}: job ${result.jobId}`);
  print(`  domains:             ${result.domainCount}`);
  const removed = result.duplicatesRemoved;
  const shown = removed.slice(0, 10).join(', ');
  print(
    `  duplicates removed:  ${removed.length}${removed.length > 0 ? ` (${shown}${removed.length > 10 ? ', ...' : ''})` : ''}`,
  );
  if (result.tracking === 'tracked') print('  tracking:            yes, notified when it ends');
  else {
    print(
      '  tracking:            FAILED: the job was created but could not be tracked; ' +
        `run: enrich-job-watch track ${result.jobId}`,
    );
  }
}

/** The end of a job in one paragraph: counts, credits, duration, and the results or the error. */
export function formatJobSummary(job: TrackedJob): string {
  const snapshot = job.snapshot;
  const lines = [`${jobName(job)} ended ${job.status}.`];
  if (snapshot) {
    lines.push(
      `  domains: ${snapshot.total_domains ?? '?'} (${snapshot.success_count ?? 0} succeeded, ${snapshot.failed_count ?? 0} failed)`,
    );
    if (snapshot.credits_charged !== null) lines.push(`  credits charged: ${snapshot.credits_charged}`);
    // As the notification counts it: from the start of processing.
    const startedMs = Date.parse(snapshot.started_at ?? snapshot.created_at ?? '');
    const endedMs = Date.parse(snapshot.completed_at ?? '');
    if (Number.isFinite(startedMs) && Number.isFinite(endedMs)) {
      lines.push(`  duration: ${formatDuration(endedMs - startedMs)}`);
    }
    if (snapshot.results_url) lines.push(`  results: ${snapshot.results_url}`);
    if (snapshot.error_message) lines.push(`  error: ${snapshot.error_message}`);
  }
  if (!snapshot && job.lastError) lines.push(`  error: ${job.lastError.message}`);
  return lines.join('\n');
}

/**
 * Follows the tracked job, as the watcher records it, until it ends or `signal` aborts.
 *
 * @returns the job at its end, or null when interrupted.
 */
async function followJob(
  jobs: JobsApplication,
  jobId: string,
  display: ProgressDisplay,
  signal: AbortSignal,
): Promise<TrackedJob | null> {
  try {
    for (;;) {
      const job = await jobs.get(jobId);
      display.update(progressOf(job), Date.now());
      if (isTerminal(job.status)) return job;
      await delay(WAIT_REFRESH_MS, undefined, { signal });
    }
  } catch (error) {
    if (signal.aborted) return null;
    throw error;
  } finally {
    display.stop();
  }
}

async function waitForEnd(context: CliContext, jobs: JobsApplication, jobId: string): Promise<number> {
  context.print(`Waiting for job ${jobId} to end (Ctrl-C stops waiting; the job stays tracked)...`);
  const display = process.stdout.isTTY ? new BarProgress() : new PlainProgress(context.print);
  const job = await withInterrupt(context.print, (signal) => followJob(jobs, jobId, display, signal));
  if (!job) {
    context.print(`Stopped waiting. Job ${jobId} is still tracked: enrich-job-watch show ${jobId}`);
    return ExitCode.Ok;
  }
  context.print(formatJobSummary(job));
  return job.status === JobStatus.Completed ? ExitCode.Ok : ExitCode.Failed;
}

/**
 * Reads, validates and deduplicates the domains of `file` (nothing is created when any is bad),
 * creates the job through the core's submit, and prints the job id, the domain count and the
 * duplicates removed. With `--wait`, follows the job to its end; exit 1 when it did not complete.
 *
 * @throws ValidationError (exit 2) for an unreadable or malformed file or a bad domain, or for
 *   `--wait` in local mode with no `start` running.
 */
export async function submitCommand(
  context: CliContext,
  file: string,
  options: SubmitOptions,
): Promise<number> {
  if (options.wait && !context.config.jobsTableName && !(await readRunningInstance(context.home))) {
    // Nothing would record the job's progress, and this process would hold the store start needs.
    throw new ValidationError(
      '--wait in local mode follows what a running `enrich-job-watch start` records: start it first (in another terminal)',
    );
  }
  const parsed = await readDomainFile(file);
  const { domains, duplicatesRemoved } = validateDomainFile(file, parsed);
  context.log.info('Submitting', {
    file,
    format: parsed.format,
    domains: domains.length,
    duplicates: duplicatesRemoved.length,
  });
  return withResources(context.log, async (resources) => {
    const jobs = await openJobsApplication(context, resources, { submit: true });
    const result = await withInterrupt(context.print, (signal) =>
      jobs.submit(
        {
          domains: parsed.entries.map((entry) => entry.value),
          label: options.label ?? null,
          metadata: options.meta ?? {},
          idempotencyKey: options.idempotencyKey ?? null,
        },
        { signal },
      ),
    );
    reportSubmitted(context, result);
    if (result.tracking === 'failed') return ExitCode.Failed;
    if (!options.wait) {
      context.print(`Follow it with: enrich-job-watch show ${result.jobId}`);
      return ExitCode.Ok;
    }
    return waitForEnd(context, jobs, result.jobId);
  });
}
