/** `list`: every tracked job as a table, or as JSON for tools. */
import { ValidationError } from '../../functions/core/domain/errors.js';
import { isJobStatus, JobStatus } from '../../functions/core/domain/job-status.js';
import { listJobs, toJobView } from '../../functions/core/use-cases/list-jobs.js';
import type { CliContext } from '../context.js';
import { openJobStore } from '../environment.js';
import { ExitCode } from '../exit-code.js';
import { formatJobsTable } from '../jobs-table.js';
import { plural } from '../output.js';
import { withResources } from '../resources.js';

/**
 * Prints the tracked jobs, optionally only those in one status.
 *
 * @throws ValidationError for a status that does not exist.
 */
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
  return withResources(context.log, async (resources) => {
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
