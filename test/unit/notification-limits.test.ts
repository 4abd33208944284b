import { describe, expect, it } from 'vitest';
import type { HistoryEntry, OwedNotification, TrackedJob } from '../../functions/core/domain/job.js';
import { SNS_MAX_PAYLOAD_BYTES, snsPayloadBytes } from '../../functions/core/domain/notification-limits.js';
import {
  renderJobNotification,
  SMS_MAX_LENGTH,
  SUBJECT_MAX_LENGTH,
  type RenderedNotification,
} from '../../functions/core/domain/notification.js';
import {
  MAX_LABEL_LENGTH,
  MAX_METADATA_ENTRIES,
  MAX_METADATA_VALUE_LENGTH,
} from '../../functions/core/use-cases/track-job.js';
import { JOB_ID, snapshot, trackedJob } from '../support/builders.js';

/** Every channel's message as the SNS notifier sends it. */
function messages(notification: RenderedNotification): string[] {
  return [JSON.stringify(notification.document), notification.text, notification.sms];
}

/** The largest label and metadata `track` accepts, in the characters that cost most bytes. */
function largestAccepted(): Pick<TrackedJob, 'label' | 'metadata'> {
  const metadata: Record<string, string> = {};
  for (let entry = 0; entry < MAX_METADATA_ENTRIES; entry += 1) {
    // A control character is 1 character and 6 bytes once escaped in JSON.
    metadata[`k${String(entry).padStart(2, '0')}${'k'.repeat(61)}`] = '\u0001'.repeat(
      MAX_METADATA_VALUE_LENGTH,
    );
  }
  return { label: '€'.repeat(MAX_LABEL_LENGTH), metadata };
}

const hugeHistory: HistoryEntry[] = Array.from({ length: 5_000 }, (_, index) => ({
  from: 'processing',
  to: 'processing',
  at: new Date(Date.UTC(2026, 10, 29, 10, 0, index)).toISOString(),
  counts: { total_domains: 10_000, success_count: index, failed_count: 0, credits_charged: index },
}));

function owed(status: 'completed' | 'failed'): OwedNotification {
  return {
    eventId: `${JOB_ID}:${status}`,
    status,
    previousStatus: 'processing',
    detectedAt: '2026-11-29T10:05:00.000Z',
    deliveredChannels: [],
  };
}

describe('a notification never exceeds what SNS accepts', () => {
  it('fits the largest accepted label and metadata with a huge history and an older, unbounded snapshot', () => {
    // Written by a version that kept whatever the API sent (up to the 256 KiB body cap).
    const job = trackedJob({
      ...largestAccepted(),
      status: 'failed',
      history: hugeHistory,
      snapshot: snapshot({ status: 'failed', error_message: 'é'.repeat(250_000) }),
    });

    const notification = renderJobNotification(job, owed('failed'));

    for (const message of messages(notification)) {
      expect(snsPayloadBytes(message, notification.attributes)).toBeLessThanOrEqual(SNS_MAX_PAYLOAD_BYTES);
    }
    expect(notification.subject.length).toBeLessThanOrEqual(SUBJECT_MAX_LENGTH);
    expect(notification.subject).toMatch(/^[\x20-\x7e]+$/);
    expect(notification.sms.length).toBeLessThanOrEqual(SMS_MAX_LENGTH);
    // Still the notification the subscriber is owed, and it says it was cut.
    expect(notification.document).toMatchObject({
      event_id: `${JOB_ID}:failed`,
      job_id: JOB_ID,
      status: 'failed',
      truncated: true,
    });
    expect(notification.text).toContain('too long for a notification');
    expect(notification.text).toMatch(/\[truncated: [\d,]+ more characters\]/);
  });

  it('leaves a notification that fits as it is, without a truncated flag', () => {
    const job = trackedJob({
      ...largestAccepted(),
      status: 'completed',
      history: hugeHistory,
      snapshot: snapshot({ status: 'completed', results_url: 'https://r.example/x' }),
    });

    const notification = renderJobNotification(job, owed('completed'));

    expect(notification.document).not.toHaveProperty('truncated');
    expect(notification.document).toMatchObject({ label: job.label, metadata: job.metadata });
    expect(notification.text).not.toContain('truncated');
  });
});
