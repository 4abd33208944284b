/** `track <jobId>`: starts watching a job; tracking it again changes nothing and says so. */
import { trackJob, validateTrackRequest } from '../../functions/core/use-cases/track-job.js';
import type { CliContext } from '../context.js';
import { openJobStore } from '../environment.js';
import { ExitCode } from '../exit-code.js';
import { jobName } from '../output.js';
import { withResources } from '../resources.js';

/**
 * Tracks `jobId` with its label and metadata, or reports that it is tracked already.
 *
 * @throws ValidationError for a malformed id, label or metadata (nothing is opened or written).
 */
export async function trackCommand(
  context: CliContext,
  jobId: string,
  options: { label?: string; meta?: Record<string, string> },
): Promise<number> {
  // Checked before the store is opened: a refused command creates nothing.
  validateTrackRequest({ jobId, label: options.label ?? null, metadata: options.meta ?? {} });
  return withResources(context.log, async (resources) => {
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
