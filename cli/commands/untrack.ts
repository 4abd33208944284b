/** `untrack <jobId>`: stops watching a job; its history stays readable until it expires. */
import { openJobsApplication } from '../application.js';
import type { CliContext } from '../context.js';
import { ExitCode } from '../exit-code.js';
import { jobIdArgument } from '../job-argument.js';
import { jobName } from '../output.js';
import { withResources } from '../resources.js';

/**
 * Stops tracking `jobId`. Idempotent: untracking it again says the same.
 *
 * @throws ValidationError for a malformed id; JobNotTrackedError (exit 1) for an unknown job.
 */
export async function untrackCommand(context: CliContext, jobId: string): Promise<number> {
  const id = jobIdArgument(jobId);
  return withResources(context.log, async (resources) => {
    const jobs = await openJobsApplication(context, resources, { submit: false });
    const job = await jobs.untrack(id);
    context.print(
      `Stopped tracking ${jobName(job)} (status ${job.status}). It is no longer checked or notified; ` +
        'its history stays readable (show) until it expires.',
    );
    return ExitCode.Ok;
  });
}
