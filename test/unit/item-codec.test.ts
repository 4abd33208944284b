import { describe, expect, it } from 'vitest';
import {
  decodeJobItem,
  decodeJobSummaryItem,
  encodeJobItem,
  newTrackedJob,
} from '../../functions/core/adapters/dynamodb/job-item.js';
import {
  decodeWatcherStateItem,
  encodeWatcherStateItem,
} from '../../functions/core/adapters/dynamodb/watcher-state-item.js';
import { MalformedItemError } from '../../functions/core/domain/errors.js';
import type { TrackedJob } from '../../functions/core/domain/job.js';
import {
  fieldsOf,
  INITIAL_WATCHER_STATE,
  type WatcherState,
} from '../../functions/core/domain/watcher-state.js';
import { JOB_ID, snapshot, T0, trackedJob } from '../support/builders.js';

const LATER = '2026-11-29T10:05:00.000Z';
const KEY = `JOB#${JOB_ID}`;
const ALL_STATUSES = 'pending, processing, completing, completed, failed, not_found, rejected';

/** A job with every attribute set, nested lists and maps included: what a long-lived job looks like. */
const FULL_JOB: TrackedJob = trackedJob({
  status: 'completed',
  lastCheckedAt: LATER,
  nextCheckAt: '2026-11-29T10:10:00.000Z',
  consecutiveErrors: 2,
  consecutiveNotFound: 1,
  lastError: { kind: 'timeout', message: 'No answer within 2000 ms', at: '2026-11-29T10:03:00.000Z' },
  snapshot: snapshot({ status: 'completed', completed_at: LATER, results_url: 'https://example.test/r' }),
  history: [
    { from: 'pending', to: 'processing', at: '2026-11-29T10:01:00.000Z', counts: null },
    {
      from: 'processing',
      to: 'completed',
      at: LATER,
      counts: { total_domains: 10_000, success_count: 9_000, failed_count: 1_000, credits_charged: 9_000 },
    },
  ],
  notificationOwed: {
    eventId: `${JOB_ID}:completed`,
    status: 'completed',
    previousStatus: 'processing',
    detectedAt: LATER,
    deliveredChannels: ['events', 'sms'],
  },
  lastNotification: {
    eventId: `${JOB_ID}:failed`,
    publishedAt: T0,
    messageIds: { events: 'm-1', email: 'm-2' },
  },
  anomalyCount: 3,
  anomalies: [{ kind: 'unknown_status', value: 'queued', at: T0 }],
  untrackedAt: '2026-11-29T10:07:00.000Z',
  webhook: true,
  version: 7,
});

const FULL_STATE: WatcherState = {
  accessIncident: { kind: 'payment_required', openedAt: T0 },
  alertOwed: {
    phase: 'recovered',
    incident: { kind: 'api_key_unavailable', openedAt: T0 },
    detectedAt: LATER,
    retryAt: '2026-11-29T10:10:00.000Z',
    deliveredChannels: ['email'],
  },
  throttledUntil: LATER,
  throttleStreak: 4,
  version: 9,
};

/** Sets the value at a dotted path (`history.1.counts`) in a copy of `item`. */
function withValue(item: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(item);
  const steps = path.split('.');
  const last = steps.pop() ?? '';
  let parent: Record<string, unknown> = copy;
  for (const step of steps) parent = parent[step] as Record<string, unknown>;
  if (value === undefined) Reflect.deleteProperty(parent, last);
  else parent[last] = value;
  return copy;
}

function decodeError(decode: () => unknown): MalformedItemError {
  try {
    decode();
  } catch (error) {
    if (error instanceof MalformedItemError) return error;
    throw error;
  }
  throw new Error('decoded without an error');
}

describe('job item codec', () => {
  it('reads back every attribute of a job it wrote', () => {
    const item = encodeJobItem(FULL_JOB);
    expect(item).toMatchObject({ pk: KEY, entity: 'job', watch_queue: 'watched' });
    expect(decodeJobItem(item)).toEqual(FULL_JOB);
    // What leaves the index for good (settled, nothing owed) reads back without a next check.
    const settled = { ...FULL_JOB, nextCheckAt: null, notificationOwed: null };
    const settledItem = encodeJobItem(settled);
    expect(settledItem).not.toHaveProperty('watch_queue');
    expect(settledItem).not.toHaveProperty('next_check_at');
    expect(decodeJobItem(settledItem)).toEqual(settled);
  });

  it('writes a newly tracked job due at once, in the index, and reads it back', () => {
    const job = newTrackedJob({
      jobId: JOB_ID,
      label: 'Q4 leads',
      metadata: { team: 'growth' },
      trackedAt: T0,
    });
    expect(job).toEqual(trackedJob());
    const item = encodeJobItem(job);
    expect(item).toMatchObject({ watch_queue: 'watched', next_check_at: T0, version: 1, webhook: false });
    // Absent while tracked: untracking is conditional on the attribute not existing.
    expect(item).not.toHaveProperty('untracked_at');
    expect(decodeJobItem(item)).toEqual(job);
    const submitted = newTrackedJob({
      jobId: JOB_ID,
      label: null,
      metadata: {},
      trackedAt: T0,
      webhook: true,
    });
    expect(decodeJobItem(encodeJobItem(submitted))).toMatchObject({ webhook: true, untrackedAt: null });
  });

  it('gives attributes missing from items written by older versions their defaults', () => {
    expect(decodeJobItem({ pk: KEY })).toEqual({
      jobId: JOB_ID,
      status: 'pending',
      label: null,
      metadata: {},
      trackedAt: '',
      lastCheckedAt: null,
      nextCheckAt: null,
      consecutiveErrors: 0,
      consecutiveNotFound: 0,
      lastError: null,
      snapshot: null,
      history: [],
      historyTrimmed: 0,
      notificationOwed: null,
      lastNotification: null,
      anomalyCount: 0,
      anomalies: [],
      untrackedAt: null,
      webhook: false,
      version: 0,
    });
    // Before per-channel delivery: no delivered_channels, and a receipt with one `message_id`.
    const old = encodeJobItem(FULL_JOB);
    const owed = withValue(old, 'notification_owed.delivered_channels', undefined);
    expect(decodeJobItem(owed).notificationOwed?.deliveredChannels).toEqual([]);
    const receipt = withValue(
      withValue(old, 'last_notification.message_ids', undefined),
      'last_notification.message_id',
      'm-0',
    );
    expect(decodeJobItem(receipt).lastNotification).toEqual({
      eventId: `${JOB_ID}:failed`,
      publishedAt: T0,
      messageIds: {},
    });
    // A snapshot the API sent without its optional fields.
    const sparse = withValue(old, 'snapshot', { job_id: JOB_ID, status: 'pending' });
    expect(decodeJobItem(sparse).snapshot).toMatchObject({ total_domains: null, results_url: null });
  });

  const wrongTyped: [field: string, value: unknown, problem: string][] = [
    ['pk', `WATCHER#${JOB_ID}`, 'Invalid string: must start with "JOB#"'],
    ['job_id', 42, 'expected string, got number'],
    ['status', 'lost', `expected one of ${ALL_STATUSES}`],
    ['label', ['a'], 'expected string, got array'],
    ['metadata', 'team=growth', 'expected record, got string'],
    ['metadata.team', 7, 'expected string, got number'],
    ['tracked_at', null, 'expected string, got null'],
    ['last_checked_at', 1_764_410_400, 'expected string, got number'],
    ['next_check_at', true, 'expected string, got boolean'],
    ['consecutive_errors', '2', 'expected number, got string'],
    ['consecutive_not_found', null, 'expected number, got null'],
    ['last_error', 'timeout', 'expected object, got string'],
    ['last_error.at', undefined, 'missing, expected string'],
    ['snapshot', [], 'expected object, got array'],
    ['snapshot.total_domains', '10000', 'expected number, got string'],
    ['snapshot.status', null, 'expected string, got null'],
    ['history', {}, 'expected array, got object'],
    ['history.0.to', 'done', `expected one of ${ALL_STATUSES}`],
    ['history.1.counts.failed_count', '1000', 'expected number, got string'],
    ['notification_owed.event_id', undefined, 'missing, expected string'],
    ['notification_owed.previous_status', 'queued', `expected one of ${ALL_STATUSES}`],
    ['notification_owed.delivered_channels.1', 'pager', 'expected one of events, email, sms'],
    ['last_notification.published_at', 0, 'expected string, got number'],
    ['last_notification.message_ids.events', 1, 'expected string, got number'],
    ['last_notification.message_ids', { pager: 'm-3' }, 'unknown key pager'],
    ['anomaly_count', '3', 'expected number, got string'],
    ['anomalies.0.kind', 'other', 'expected one of unknown_status'],
    ['untracked_at', 1_764_410_400, 'expected string, got number'],
    ['webhook', 'yes', 'expected boolean, got string'],
    ['version', '7', 'expected number, got string'],
  ];

  it.each(wrongTyped)(
    'names %s when it holds the wrong type or an unknown value',
    (field, value, problem) => {
      const error = decodeError(() => decodeJobItem(withValue(encodeJobItem(FULL_JOB), field, value)));
      const shown = field.replace(/\.(\d+)/g, '[$1]');
      expect(error).toMatchObject({ key: field === 'pk' ? `WATCHER#${JOB_ID}` : KEY, field: shown, problem });
      expect(error.message).toBe(
        `Stored item ${field === 'pk' ? `WATCHER#${JOB_ID}` : KEY} is malformed: ${shown}: ${problem}`,
      );
    },
  );

  it('never puts the stored value in the error, only its type', () => {
    const secret = 'ce_live_4f3b9c-not-for-logs';
    const error = decodeError(() => decodeJobItem(withValue(encodeJobItem(FULL_JOB), 'version', secret)));
    expect(error.message).toBe(`Stored item ${KEY} is malformed: version: expected number, got string`);
    expect(String(error.cause)).not.toContain(secret);
    expect(JSON.stringify(error)).not.toContain(secret);
  });
});

describe('job summary codec (a row of the listing indexes)', () => {
  /** What the listing index projects: the keys and job_id, label, status, untracked_at. */
  function indexRow(job: TrackedJob): Record<string, unknown> {
    const { pk, entity, tracked_at, job_id, label, status, untracked_at } = encodeJobItem(job);
    return { pk, entity, tracked_at, job_id, label, status, untracked_at };
  }

  it('reads the projected attributes, untracked or not', () => {
    expect(decodeJobSummaryItem(indexRow(FULL_JOB))).toEqual({
      jobId: JOB_ID,
      status: 'completed',
      label: 'Q4 leads',
      trackedAt: T0,
      untrackedAt: '2026-11-29T10:07:00.000Z',
    });
    expect(decodeJobSummaryItem(indexRow(trackedJob()))).toMatchObject({
      status: 'pending',
      untrackedAt: null,
    });
  });

  it.each([
    ['status', 'lost', `expected one of ${ALL_STATUSES}`],
    ['tracked_at', undefined, 'missing, expected string'],
    ['untracked_at', true, 'expected string, got boolean'],
    ['label', 3, 'expected string, got number'],
  ])('names %s when it holds the wrong type or an unknown value', (field, value, problem) => {
    const error = decodeError(() => decodeJobSummaryItem(withValue(indexRow(FULL_JOB), field, value)));
    expect(error.message).toBe(`Stored item ${KEY} is malformed: ${field}: ${problem}`);
  });
});

describe('watcher-state item codec', () => {
  it('reads back the state it wrote, at the version it was written with', () => {
    const { version, ...fields } = FULL_STATE;
    const item = encodeWatcherStateItem(fields, version);
    expect(item).toMatchObject({ pk: 'WATCHER#state', entity: 'watcher_state' });
    expect(decodeWatcherStateItem(item)).toEqual(FULL_STATE);
    // The first save after the initial state (no item yet).
    expect(decodeWatcherStateItem(encodeWatcherStateItem(fieldsOf(INITIAL_WATCHER_STATE), 1))).toEqual({
      ...INITIAL_WATCHER_STATE,
      version: 1,
    });
  });

  it('gives attributes missing from items written by older versions their defaults', () => {
    expect(decodeWatcherStateItem({ pk: 'WATCHER#state' })).toEqual(INITIAL_WATCHER_STATE);
    const { version, ...fields } = FULL_STATE;
    const old = withValue(
      encodeWatcherStateItem(fields, version),
      'alert_owed.delivered_channels',
      undefined,
    );
    expect(decodeWatcherStateItem(old).alertOwed?.deliveredChannels).toEqual([]);
  });

  it.each([
    [
      'access_incident.kind',
      'teapot',
      'expected one of unauthorized, payment_required, forbidden, api_key_unavailable, systematic_not_found, systematic_rejected',
    ],
    ['alert_owed.phase', 'closed', 'expected one of opened, recovered'],
    ['alert_owed.retry_at', 0, 'expected string, got number'],
    ['throttled_until', 1_764_410_400, 'expected string, got number'],
    ['throttle_streak', '4', 'expected number, got string'],
    ['version', null, 'expected number, got null'],
  ])('names %s when it holds the wrong type or an unknown value', (field, value, problem) => {
    const { version, ...fields } = FULL_STATE;
    const item = withValue(encodeWatcherStateItem(fields, version), field, value);
    const error = decodeError(() => decodeWatcherStateItem(item));
    expect(error.message).toBe(`Stored item WATCHER#state is malformed: ${field}: ${problem}`);
  });
});
