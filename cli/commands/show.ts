/** `show <jobId>`: one tracked job with its full history. */
import { toJobView } from '../../functions/core/use-cases/list-jobs.js';
import { openJobsApplication } from '../application.js';
import type { CliContext } from '../context.js';
import { ExitCode } from '../exit-code.js';
import { jobIdArgument } from '../job-argument.js';
import { formatJobDetails } from '../job-details.js';
import { withResources } from '../resources.js';

/**
 * Prints the job as fields and a history table, or (`--json`) as the job view `list --json`
 * prints for each job.
 *
 * @throws ValidationError for a malformed id; JobNotTrackedError (exit 1) for an unknown job.
 */
export async function showCommand(
  context: CliContext,
  jobId: string,
  options: { json?: boolean },
): Promise<number> {
  const id = jobIdArgument(jobId);
  return withResources(context.log, async (resources) => {
    const jobs = await openJobsApplication(context, resources, { submit: false });
    const job = await jobs.get(id);
    context.print(options.json ? JSON.stringify(toJobView(job), null, 2) : formatJobDetails(job, new Date()));
    return ExitCode.Ok;
  });
}
