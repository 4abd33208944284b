/** `poll --once`: exactly one tick, as the scheduled function runs it. */
import { z } from 'zod';
import { ValidationError } from '../../functions/core/domain/errors.js';
import { runPollTick, TickIncompleteError } from '../../functions/core/use-cases/poll-tick.js';
import type { CliContext } from '../context.js';
import { createNotifier, openJobStore, openStatusApi } from '../environment.js';
import { ExitCode } from '../exit-code.js';
import { withInterrupt } from '../interrupt.js';
import { TransitionReportingStore } from '../observed-store.js';
import { formatTickSummary, formatTransition } from '../output.js';
import { withResources } from '../resources.js';

const isoInstant = z.iso.datetime({ offset: true });

/** The longest a one-off tick may take; the Lambda's timeout plays this part in AWS. */
const POLL_ONCE_DEADLINE_MS = 60_000;

/**
 * Runs one tick at `--now` (default: now), printing each transition and the tick's summary.
 * Exit 1 when the tick could not finish its work (the jobs concerned stay due).
 *
 * @throws ValidationError without `--once`, or for a `--now` that is not an ISO-8601 instant.
 */
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
  return withResources(context.log, async (resources) => {
    const opened = await openJobStore(context, 'command', resources);
    const api = await openStatusApi(context, 'command', resources);
    const { notifier, alertNotifier } = await createNotifier(context, resources);
    context.log.info('Polling once', { store: opened.description, status_api: api.description });
    const store = new TransitionReportingStore(opened.store, (job, entry) => {
      context.print(formatTransition(job, entry));
    });
    try {
      const summary = await withInterrupt(context.print, (signal) =>
        runPollTick(
          {
            jobs: store,
            watcherState: opened.watcherState,
            statusApi: api.statusApi,
            notifier,
            alertNotifier,
            log: context.log,
            clock: { now: () => new Date() },
            random: Math.random,
            policy: context.config.tick,
          },
          { now, deadline: new Date(Date.now() + POLL_ONCE_DEADLINE_MS), signal },
        ),
      );
      context.print(`Tick at ${summary.now}: ${formatTickSummary(summary)}`);
      return ExitCode.Ok;
    } catch (error) {
      if (!(error instanceof TickIncompleteError)) throw error;
      context.print(`Tick at ${error.summary.now}: ${formatTickSummary(error.summary)}`);
      context.log.error(`${error.message}; the jobs concerned stay due for the next tick`, {
        error: error.cause,
      });
      return ExitCode.Failed;
    }
  });
}
