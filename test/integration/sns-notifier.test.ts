import { beforeAll, describe, expect, it } from 'vitest';
import { SnsNotifier } from '../../functions/core/adapters/sns-notifier.js';
import type { OwedNotification, TrackedJob } from '../../functions/core/domain/job.js';
import { renderJobNotification, renderWatcherAlert } from '../../functions/core/domain/notification.js';
import { ALL_CHANNELS, type NotificationChannel } from '../../functions/core/domain/notification-channel.js';
import { snapshot, trackedJob } from '../support/builders.js';
import {
  createTopic,
  drainQueue,
  motoClients,
  subscribeQueue,
  type SnsEnvelope,
} from '../support/emulators.js';

const clients = motoClients();
const watchedJob = '11111111-2222-4333-8444-555555555555';
const otherJob = '66666666-7777-4888-9999-000000000000';

function terminal(
  jobId: string,
  status: 'completed' | 'failed',
): { job: TrackedJob; owed: OwedNotification } {
  const job = trackedJob({
    jobId,
    status,
    snapshot: snapshot({
      job_id: jobId,
      status,
      error_message: status === 'failed' ? 'Provider outage' : null,
    }),
  });
  return {
    job,
    owed: {
      eventId: `${jobId}:${status}`,
      status,
      previousStatus: 'processing',
      detectedAt: '2026-11-29T10:05:00.000Z',
      deliveredChannels: [],
    },
  };
}

/**
 * Every channel's topic gets an unfiltered SQS subscriber (it receives what an email, SMS or
 * automation subscriber of that topic would receive) and filtered ones, on moto.
 */
describe('SnsNotifier against moto', () => {
  const topics = {} as Record<NotificationChannel, string>;
  const everything = {} as Record<NotificationChannel, string>;
  let failedOnly: string;
  let jobEventsOnly: string;
  let oneJob: string;
  let failedEmailsOnly: string;

  beforeAll(async () => {
    for (const channel of ALL_CHANNELS) {
      topics[channel] = await createTopic(clients.sns);
      everything[channel] = await subscribeQueue(clients, topics[channel]);
    }
    failedOnly = await subscribeQueue(clients, topics.events, { filterPolicy: { status: ['failed'] } });
    jobEventsOnly = await subscribeQueue(clients, topics.events, {
      filterPolicy: { event_type: [{ prefix: 'job.' }] },
    });
    oneJob = await subscribeQueue(clients, topics.events, { filterPolicy: { job_id: [watchedJob] } });
    failedEmailsOnly = await subscribeQueue(clients, topics.email, { filterPolicy: { status: ['failed'] } });

    const notifier = new SnsNotifier(clients.sns, topics);
    expect([...notifier.channels].sort()).toEqual(['email', 'events', 'operator', 'sms']);
    const notifications = [
      renderJobNotification(terminal(watchedJob, 'completed').job, terminal(watchedJob, 'completed').owed),
      renderJobNotification(terminal(otherJob, 'failed').job, terminal(otherJob, 'failed').owed),
      renderWatcherAlert(
        { kind: 'unauthorized', openedAt: '2026-11-29T10:00:00.000Z' },
        'opened',
        '2026-11-29T10:00:00.000Z',
      ),
    ];
    for (const notification of notifications) {
      for (const channel of ALL_CHANNELS) await notifier.publish(notification, channel);
    }
  });

  function byJob(envelopes: SnsEnvelope[], jobId: string): SnsEnvelope | undefined {
    return envelopes.find((envelope) => envelope.MessageAttributes?.job_id?.Value === jobId);
  }

  it('gives automation the versioned JSON event', async () => {
    const delivered = await drainQueue(clients.sqs, everything.events);
    expect(delivered).toHaveLength(3);
    expect(JSON.parse(byJob(delivered, watchedJob)?.Message ?? '{}')).toMatchObject({
      schema_version: 1,
      event_id: `${watchedJob}:completed`,
      event_type: 'job.completed',
      job_id: watchedJob,
      status: 'completed',
      previous_status: 'processing',
      job: { job_id: watchedJob, status: 'completed' },
    });
  });

  it('gives email subscribers a subject and a readable body', async () => {
    const delivered = await drainQueue(clients.sqs, everything.email);
    const failed = byJob(delivered, otherJob);
    expect(failed?.Subject).toBe('Job failed: Q4 leads');
    expect(failed?.Message).toContain('CompanyEnrich bulk job failed.');
    expect(failed?.Message).toContain('Reason:          Provider outage');
    expect(() => JSON.parse(failed?.Message ?? '') as unknown).toThrow();
  });

  it("gives the operator topic's subscribers (email addresses) the alert's subject and readable body", async () => {
    const delivered = await drainQueue(clients.sqs, everything.operator);
    const alert = delivered.find(
      (envelope) => envelope.MessageAttributes?.event_type?.Value === 'watcher.unauthorized',
    );
    expect(alert?.Subject).toBe('enrich-job-watch Action needed: CompanyEnrich rejected the API key (401)');
    expect(alert?.Message).toMatch(/^CompanyEnrich rejected the API key \(401\)\. Polling is paused\./);
    expect(alert?.Message).toContain('Incident opened at 2026-11-29T10:00:00.000Z.');
    expect(() => JSON.parse(alert?.Message ?? '') as unknown).toThrow();
  });

  it('gives SMS subscribers one short text', async () => {
    const delivered = await drainQueue(clients.sqs, everything.sms);
    expect(delivered).toHaveLength(3);
    expect(byJob(delivered, otherJob)?.Message).toBe('enrich-job-watch: Q4 leads failed. Provider outage');
    for (const envelope of delivered) expect(envelope.Message.length).toBeLessThanOrEqual(140);
  });

  it('lets a subscription filter on status, on any channel', async () => {
    const events = await drainQueue(clients.sqs, failedOnly);
    expect(events.map((envelope) => (JSON.parse(envelope.Message) as { event_id: string }).event_id)).toEqual(
      [`${otherJob}:failed`],
    );
    const emails = await drainQueue(clients.sqs, failedEmailsOnly);
    expect(emails.map((envelope) => envelope.Subject)).toEqual(['Job failed: Q4 leads']);
  });

  it('lets a subscription filter on event_type, keeping operator alerts out', async () => {
    const delivered = await drainQueue(clients.sqs, jobEventsOnly);
    const types = delivered.map((envelope) => envelope.MessageAttributes?.event_type?.Value).sort();
    expect(types).toEqual(['job.completed', 'job.failed']);
  });

  it('lets a subscription filter on job_id', async () => {
    const delivered = await drainQueue(clients.sqs, oneJob);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.MessageAttributes?.job_id?.Value).toBe(watchedJob);
  });

  it('refuses a channel that has no topic', async () => {
    const eventsOnly = new SnsNotifier(clients.sns, { events: topics.events });
    expect(eventsOnly.channels).toEqual(['events']);
    const alert = renderWatcherAlert({ kind: 'payment_required', openedAt: 'x' }, 'opened', 'x');
    await expect(eventsOnly.publish(alert, 'sms')).rejects.toThrow(
      /No topic is configured for the sms channel/,
    );
  });
});
