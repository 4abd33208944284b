import { beforeAll, describe, expect, it } from 'vitest';
import { SnsNotifier } from '../../functions/core/adapters/sns-notifier.js';
import type { OwedNotification, TrackedJob } from '../../functions/core/domain/job.js';
import { renderJobNotification, renderWatcherAlert } from '../../functions/core/domain/notification.js';
import { snapshot, trackedJob } from '../support/builders.js';
import { createTopic, drainQueue, motoClients, subscribeQueue } from '../support/emulators.js';

const clients = motoClients();

function terminal(
  jobId: string,
  status: 'completed' | 'failed',
): { job: TrackedJob; owed: OwedNotification } {
  const job = trackedJob({
    jobId,
    status,
    snapshot: snapshot({ job_id: jobId, status, error_message: status === 'failed' ? 'boom' : null }),
  });
  return {
    job,
    owed: {
      eventId: `${jobId}:${status}`,
      status,
      previousStatus: 'processing',
      detectedAt: '2026-11-29T10:05:00.000Z',
    },
  };
}

describe('SnsNotifier against moto', () => {
  let topicArn: string;
  let everything: string;
  let failedOnly: string;
  let jobEventsOnly: string;
  let oneJob: string;
  let notifier: SnsNotifier;
  const watchedJob = '11111111-2222-4333-8444-555555555555';
  const otherJob = '66666666-7777-4888-9999-000000000000';

  beforeAll(async () => {
    topicArn = await createTopic(clients.sns);
    everything = await subscribeQueue(clients, topicArn);
    failedOnly = await subscribeQueue(clients, topicArn, { filterPolicy: { status: ['failed'] } });
    jobEventsOnly = await subscribeQueue(clients, topicArn, {
      filterPolicy: { event_type: [{ prefix: 'job.' }] },
    });
    oneJob = await subscribeQueue(clients, topicArn, { filterPolicy: { job_id: [watchedJob] } });
    notifier = new SnsNotifier(clients.sns, { subscribers: topicArn, operators: topicArn });

    for (const [jobId, status] of [
      [watchedJob, 'completed'],
      [otherJob, 'failed'],
    ] as const) {
      const { job, owed } = terminal(jobId, status);
      await notifier.publish(renderJobNotification(job, owed), 'subscribers');
    }
    await notifier.publish(
      renderWatcherAlert(
        { kind: 'unauthorized', openedAt: '2026-11-29T10:00:00.000Z' },
        'opened',
        '2026-11-29T10:00:00.000Z',
      ),
      'operators',
    );
  });

  it('delivers the versioned JSON event, with the email subject, to an SQS subscriber', async () => {
    const delivered = await drainQueue(clients.sqs, everything);
    expect(delivered).toHaveLength(3);
    const completed = delivered.find((envelope) => envelope.MessageAttributes?.job_id?.Value === watchedJob);
    expect(completed?.Subject).toBe('Job completed: Q4 leads - 4,000 of 10,000 domains enriched');
    expect(JSON.parse(completed?.Message ?? '{}')).toMatchObject({
      schema_version: 1,
      event_id: `${watchedJob}:completed`,
      event_type: 'job.completed',
      job_id: watchedJob,
      status: 'completed',
      previous_status: 'processing',
      job: { job_id: watchedJob, status: 'completed' },
    });
  });

  it('lets a subscription filter on status', async () => {
    const delivered = await drainQueue(clients.sqs, failedOnly);
    expect(delivered.map((envelope) => JSON.parse(envelope.Message) as { event_id: string })).toEqual([
      expect.objectContaining({ event_id: `${otherJob}:failed` }),
    ]);
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
});
