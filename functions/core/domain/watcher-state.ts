import { addMs, backoffDelayMs, type CadencePolicy } from './cadence.js';
import { isSystematicProblem } from './errors.js';
import type { AccessIncident } from './notification.js';
import type { NotificationChannel } from './notification-channel.js';

/** An operator alert recorded as owed before it is published, so a failed publish is retried. */
export interface OwedAlert {
  phase: 'opened' | 'recovered';
  incident: AccessIncident;
  detectedAt: string;
  /**
   * Until then the tick that recorded (or last claimed) the alert is publishing it; afterwards
   * any tick may. So a crash between recording and publishing delays the alert, never loses it.
   */
  retryAt: string;
  /** Channels that already have it (see `OwedNotification.deliveredChannels`). */
  deliveredChannels: NotificationChannel[];
}

/**
 * Account-wide state shared by every tick: the open incident (401/402/403, an unreadable key,
 * or a systematic 404/400) and the API pause after a 429. Kept in one item so each change is one conditional write.
 */
export interface WatcherState {
  accessIncident: AccessIncident | null;
  alertOwed: OwedAlert | null;
  /** No status request is sent before this instant (ISO-8601), after a 429. */
  throttledUntil: string | null;
  /** Consecutive ticks that ended in a 429; drives the backoff when there is no Retry-After. */
  throttleStreak: number;
  /** Optimistic-concurrency counter; 0 means the item does not exist yet. */
  version: number;
}

export type WatcherStateFields = Omit<WatcherState, 'version'>;

/** The state before anything ever went wrong. */
export const INITIAL_WATCHER_STATE: WatcherState = {
  accessIncident: null,
  alertOwed: null,
  throttledUntil: null,
  throttleStreak: 0,
  version: 0,
};

/** True while an earlier 429 asks the watcher to leave the API alone. */
export function isApiPaused(state: WatcherState, now: string): boolean {
  return state.throttledUntil !== null && Date.parse(state.throttledUntil) > Date.parse(now);
}

/**
 * The state after a tick that was answered 429: honour the server's `Retry-After` when it gave
 * one, else back off exponentially (with jitter) on the number of throttled ticks in a row.
 */
export function afterThrottle(
  state: WatcherState,
  retryAfterMs: number | null,
  now: string,
  policy: CadencePolicy,
  random: () => number,
): WatcherStateFields {
  const throttleStreak = state.throttleStreak + 1;
  const waitMs = retryAfterMs ?? backoffDelayMs(throttleStreak, policy, random);
  return { ...fieldsOf(state), throttleStreak, throttledUntil: addMs(now, waitMs) };
}

/**
 * Opens an incident (an access problem, or a systematic 404/400), unless one of the same kind is
 * already open (then: no change, no alert).
 */
export function afterAccessDenied(
  state: WatcherState,
  kind: AccessIncident['kind'],
  now: string,
  alertLeaseMs: number,
): WatcherStateFields | null {
  if (state.accessIncident?.kind === kind) return null;
  const incident: AccessIncident = { kind, openedAt: now };
  return {
    ...fieldsOf(state),
    accessIncident: incident,
    alertOwed: {
      phase: 'opened',
      incident,
      detectedAt: now,
      retryAt: addMs(now, alertLeaseMs),
      deliveredChannels: [],
    },
  };
}

/** What the tick's answers prove, for closing an incident. */
export interface AnswerEvidence {
  /** At least one 2xx status document came back (not only 404s or problem answers). */
  documentReceived: boolean;
}

/**
 * Closes the open incident (if any) and clears the throttle streak after the API answered. Any
 * answer that proves the key works closes an access incident; a systematic 404/400 incident
 * closes only on a tick that was not systematic and got a 2xx document, because a lone 404
 * proves the key works, not that the URL is right.
 */
export function afterApiAnswered(
  state: WatcherState,
  now: string,
  alertLeaseMs: number,
  evidence: AnswerEvidence,
): WatcherStateFields | null {
  const incident = state.accessIncident;
  const closes = incident !== null && (evidence.documentReceived || !isSystematicProblem(incident.kind));
  if (!closes && state.throttleStreak === 0) return null;
  return {
    ...fieldsOf(state),
    accessIncident: closes ? null : incident,
    alertOwed: closes
      ? {
          phase: 'recovered',
          incident,
          detectedAt: now,
          retryAt: addMs(now, alertLeaseMs),
          deliveredChannels: [],
        }
      : state.alertOwed,
    throttleStreak: 0,
  };
}

/** True when the owed alert (if any) may be published by this tick. */
export function isAlertDue(state: WatcherState, now: string): boolean {
  return state.alertOwed !== null && Date.parse(state.alertOwed.retryAt) <= Date.parse(now);
}

/** The state without its version, for building the next one. */
export function fieldsOf(state: WatcherState): WatcherStateFields {
  return {
    accessIncident: state.accessIncident,
    alertOwed: state.alertOwed,
    throttledUntil: state.throttledUntil,
    throttleStreak: state.throttleStreak,
  };
}
