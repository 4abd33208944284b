import type { CallOptions, JobStore, Notifier } from '../../ports.js';
import type { PollTickDeps } from './tick-context.js';

/**
 * The tick's dependencies with `signal` (the tick deadline's) passed to every job store and
 * notifier call, so the steps of the tick need not thread it through. A DynamoDB or SNS call
 * still in flight at the deadline's hard stop is abandoned, and the tick returns before the
 * Lambda is killed; what it was doing stays due (conditional writes land whole or not at all).
 */
export function boundToSignal(deps: PollTickDeps, signal: AbortSignal): PollTickDeps {
  const options: CallOptions = { signal };
  return { ...deps, jobs: jobsBound(deps.jobs, options), notifier: notifierBound(deps.notifier, options) };
}

function jobsBound(jobs: JobStore, options: CallOptions): JobStore {
  return {
    track: (job) => jobs.track(job),
    get: (jobId) => jobs.get(jobId),
    list: (filter) => jobs.list(filter),
    dueJobs: (now, pageSize) => jobs.dueJobs(now, pageSize, options),
    applyUpdate: (job, update) => jobs.applyUpdate(job, update, options),
    claimOwedNotification: (job, leaseUntil) => jobs.claimOwedNotification(job, leaseUntil, options),
    settleOwedNotification: (job, receipt) => jobs.settleOwedNotification(job, receipt, options),
    recordDeliveredChannels: (job, eventId, channels) =>
      jobs.recordDeliveredChannels(job, eventId, channels, options),
  };
}

function notifierBound(notifier: Notifier, options: CallOptions): Notifier {
  return {
    get channels() {
      return notifier.channels;
    },
    publish: (notification, channel) => notifier.publish(notification, channel, options),
  };
}
