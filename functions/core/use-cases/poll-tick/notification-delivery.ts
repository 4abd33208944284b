import { ConcurrentUpdateError } from '../../domain/errors.js';
import type { OwedNotification, TrackedJob } from '../../domain/job.js';
import { renderJobNotification } from '../../domain/notification.js';
import type { Clock, JobStore, Log, Notifier } from '../../ports.js';
import { publishToChannels, type ChannelOutcome } from './publish-to-channels.js';
import type { TickTally } from './tick-summary.js';

/** The ports delivering a job's notification needs. */
export interface DeliveryDeps {
  jobs: JobStore;
  notifier: Notifier;
  log: Log;
  clock: Clock;
}

/**
 * Publishes an owed notification left by an earlier tick (its publish failed, or the tick died):
 * claims it first by moving its lease to `leaseUntil`, so concurrent ticks cannot both publish.
 * A lost claim counts as a conflict; the tick that won publishes.
 */
export async function deliverOwedNotification(
  deps: DeliveryDeps,
  tally: TickTally,
  job: TrackedJob,
  owed: OwedNotification,
  leaseUntil: string,
): Promise<void> {
  // Still owed, whichever tick wins the claim: its age is what the owed-notification alarm watches.
  tally.sawOwed(owed.detectedAt);
  let claimed: TrackedJob;
  try {
    claimed = await deps.jobs.claimOwedNotification(job, leaseUntil);
  } catch (error) {
    if (!(error instanceof ConcurrentUpdateError)) throw error;
    tally.summary.conflicts += 1;
    return;
  }
  deps.log.info('Retrying owed notification', { job_id: job.jobId, event_id: owed.eventId });
  await deliverNotification(deps, tally, claimed, owed);
}

/**
 * Publishes `owed` (whose lease this tick holds) to every channel that lacks it. When all have
 * it, the notification is settled and the job stops being watched; otherwise it stays owed, with
 * the channels that did get it recorded so the retry sends only the rest.
 */
export async function deliverNotification(
  deps: DeliveryDeps,
  tally: TickTally,
  job: TrackedJob,
  owed: OwedNotification,
): Promise<void> {
  const outcome = await publishToChannels(
    deps.notifier,
    renderJobNotification(job, owed),
    owed.deliveredChannels,
  );
  if (outcome.failures.length > 0) {
    await keepOwed(deps, tally, job, owed, outcome);
    return;
  }
  tally.summary.notified += 1;
  deps.log.info('Notification published', {
    job_id: job.jobId,
    event_id: owed.eventId,
    message_ids: outcome.messageIds,
  });
  await unlessSettledElsewhere(deps.log, job, owed, () =>
    deps.jobs.settleOwedNotification(job, {
      eventId: owed.eventId,
      messageIds: outcome.messageIds,
      publishedAt: deps.clock.now().toISOString(),
    }),
  );
}

/** After a failed publish: the notification stays owed, and a later tick sends the missing channels. */
async function keepOwed(
  deps: DeliveryDeps,
  tally: TickTally,
  job: TrackedJob,
  owed: OwedNotification,
  outcome: ChannelOutcome,
): Promise<void> {
  tally.countError('publish_failed');
  deps.log.error('Notification publish failed; it stays owed', {
    job_id: job.jobId,
    event_id: owed.eventId,
    failed_channels: outcome.failures.map((failure) => failure.channel),
    error: outcome.failures[0]?.error,
  });
  const reachedMore = outcome.delivered.length > owed.deliveredChannels.length;
  if (!reachedMore) return;
  await unlessSettledElsewhere(deps.log, job, owed, () =>
    deps.jobs.recordDeliveredChannels(job, owed.eventId, outcome.delivered),
  );
}

/** Runs a write on an owed notification; if another tick settled it meanwhile, that one stands. */
async function unlessSettledElsewhere(
  log: Log,
  job: TrackedJob,
  owed: OwedNotification,
  write: () => Promise<void>,
): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (!(error instanceof ConcurrentUpdateError)) throw error;
    log.warn('Owed notification was settled by another tick', {
      job_id: job.jobId,
      event_id: owed.eventId,
    });
  }
}
