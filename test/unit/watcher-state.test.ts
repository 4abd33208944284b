import { describe, expect, it } from 'vitest';
import {
  afterAccessDenied,
  afterApiAnswered,
  afterThrottle,
  INITIAL_WATCHER_STATE,
  isAlertDue,
  isApiPaused,
  type WatcherState,
} from '../../functions/core/domain/watcher-state.js';
import { seededRandom } from '../../local/random.js';
import { POLICY } from '../support/builders.js';

const NOW = '2026-11-29T10:00:00.000Z';
const LEASE = 300_000;

describe('watcher state', () => {
  it('opens one incident per kind and owes exactly one alert for it', () => {
    const opened = afterAccessDenied(INITIAL_WATCHER_STATE, 'unauthorized', NOW, LEASE);
    expect(opened?.accessIncident).toEqual({ kind: 'unauthorized', openedAt: NOW });
    expect(opened?.alertOwed).toMatchObject({ phase: 'opened', retryAt: '2026-11-29T10:05:00.000Z' });

    const stillOpen: WatcherState = { ...INITIAL_WATCHER_STATE, ...opened, alertOwed: null, version: 2 };
    expect(afterAccessDenied(stillOpen, 'unauthorized', '2026-11-29T10:01:00.000Z', LEASE)).toBeNull();
    // A different problem is a different incident.
    expect(
      afterAccessDenied(stillOpen, 'payment_required', '2026-11-29T10:01:00.000Z', LEASE)?.accessIncident
        ?.kind,
    ).toBe('payment_required');
  });

  it('closes the incident with a recovery alert once the API answers', () => {
    const open: WatcherState = {
      ...INITIAL_WATCHER_STATE,
      accessIncident: { kind: 'payment_required', openedAt: NOW },
      version: 3,
    };
    const recovered = afterApiAnswered(open, '2026-11-29T11:00:00.000Z', LEASE, { documentReceived: false });
    expect(recovered?.accessIncident).toBeNull();
    expect(recovered?.alertOwed).toMatchObject({
      phase: 'recovered',
      incident: { kind: 'payment_required' },
    });
    expect(afterApiAnswered(INITIAL_WATCHER_STATE, NOW, LEASE, { documentReceived: true })).toBeNull();
  });

  it('opens a systematic incident like an access one, and closes it only on a normal answer (a 2xx)', () => {
    const opened = afterAccessDenied(INITIAL_WATCHER_STATE, 'systematic_not_found', NOW, LEASE);
    expect(opened?.accessIncident).toEqual({ kind: 'systematic_not_found', openedAt: NOW });
    expect(opened?.alertOwed).toMatchObject({ phase: 'opened' });
    const open: WatcherState = { ...INITIAL_WATCHER_STATE, ...opened, alertOwed: null, version: 2 };

    // A lone 404 proves the key works, not that the URL is right.
    const later = '2026-11-29T10:10:00.000Z';
    expect(afterApiAnswered(open, later, LEASE, { documentReceived: false })).toBeNull();
    const recovered = afterApiAnswered(open, later, LEASE, { documentReceived: true });
    expect(recovered?.accessIncident).toBeNull();
    expect(recovered?.alertOwed).toMatchObject({
      phase: 'recovered',
      incident: { kind: 'systematic_not_found' },
    });
  });

  it('honours Retry-After, else backs off on consecutive throttled ticks', () => {
    const withHeader = afterThrottle(INITIAL_WATCHER_STATE, 90_000, NOW, POLICY, seededRandom(1));
    expect(withHeader.throttledUntil).toBe('2026-11-29T10:01:30.000Z');
    expect(isApiPaused({ ...INITIAL_WATCHER_STATE, ...withHeader }, '2026-11-29T10:01:00.000Z')).toBe(true);
    expect(isApiPaused({ ...INITIAL_WATCHER_STATE, ...withHeader }, '2026-11-29T10:02:00.000Z')).toBe(false);

    const third = afterThrottle(
      { ...INITIAL_WATCHER_STATE, throttleStreak: 2 },
      null,
      NOW,
      POLICY,
      seededRandom(1),
    );
    expect(third.throttleStreak).toBe(3);
    const waitMs = Date.parse(third.throttledUntil ?? '') - Date.parse(NOW);
    expect(waitMs).toBeGreaterThanOrEqual(120_000);
    expect(waitMs).toBeLessThanOrEqual(240_000);
  });

  it('lets a tick retry an owed alert only after its lease', () => {
    const state: WatcherState = {
      ...INITIAL_WATCHER_STATE,
      alertOwed: {
        phase: 'opened',
        incident: { kind: 'unauthorized', openedAt: NOW },
        detectedAt: NOW,
        retryAt: '2026-11-29T10:05:00.000Z',
        deliveredChannels: [],
      },
    };
    expect(isAlertDue(state, '2026-11-29T10:04:59.000Z')).toBe(false);
    expect(isAlertDue(state, '2026-11-29T10:05:00.000Z')).toBe(true);
  });
});
