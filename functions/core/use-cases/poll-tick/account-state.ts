import { addMs, type CadencePolicy } from '../../domain/cadence.js';
import { ConcurrentUpdateError } from '../../domain/errors.js';
import { renderWatcherAlert } from '../../domain/notification.js';
import {
  afterAccessDenied,
  afterApiAnswered,
  afterThrottle,
  fieldsOf,
  isAlertDue,
  isApiPaused,
  type WatcherState,
  type WatcherStateFields,
} from '../../domain/watcher-state.js';
import type { Log, Notifier, WatcherStateStore } from '../../ports.js';
import type { GateReport } from './api-gate.js';
import { publishToChannels } from './publish-to-channels.js';
import type { TickTally } from './tick-summary.js';

/** The ports and tuning the account-wide state (incident, throttle, operator alert) needs. */
export interface AccountStateDeps {
  watcherState: WatcherStateStore;
  /** Where operator alerts go: the operator and events channels (see `PollTickDeps.alertNotifier`). */
  alertNotifier: Notifier;
  log: Log;
  /** Backoff for the throttle pause without `Retry-After`; the lease of an operator alert. */
  policy: CadencePolicy & { notificationLeaseMs: number };
  /** Floats in [0, 1) for the throttle pause's jitter. */
  random: () => number;
}

/** Persists what the tick learnt about the account (incident, throttle) and sends alerts. */
export async function recordAccountOutcome(
  deps: AccountStateDeps,
  state: WatcherState,
  gate: GateReport,
  now: string,
  tally: TickTally,
): Promise<void> {
  const next = accountStateAfter(deps, state, gate, now);
  if (!next) return;
  const recordsNewAlert = next.alertOwed !== null && next.alertOwed !== state.alertOwed;
  let saved: WatcherState;
  try {
    saved = await deps.watcherState.saveWatcherState(state, next);
  } catch (error) {
    if (!(error instanceof ConcurrentUpdateError)) throw error;
    deps.log.info('Watcher state changed by a concurrent tick; its outcome stands');
    return;
  }
  // This tick recorded the alert and holds its lease: publish it now.
  if (recordsNewAlert) await publishAlert(deps, saved, tally);
}

/** The watcher state the gate's report leads to, or null when the tick learnt nothing new. */
function accountStateAfter(
  deps: AccountStateDeps,
  state: WatcherState,
  gate: GateReport,
  now: string,
): WatcherStateFields | null {
  const { policy } = deps;
  const { halted } = gate;
  // An access problem or a systematic 404/400: an incident. A transient key failure is not one.
  const incidentFound = halted !== null && halted !== 'throttled' && halted !== 'api_key_transient';
  const newlyThrottled = halted === 'throttled' && !isApiPaused(state, now);
  if (incidentFound) return afterAccessDenied(state, halted, now, policy.notificationLeaseMs);
  if (newlyThrottled) return afterThrottle(state, gate.retryAfterMs, now, policy, deps.random);
  if (gate.answered) {
    return afterApiAnswered(state, now, policy.notificationLeaseMs, {
      documentReceived: gate.documentReceived,
    });
  }
  return null;
}

/**
 * Publishes an alert owed from an earlier tick once its lease has run out: claim it by moving
 * the lease forward (one conditional write, so concurrent ticks cannot both publish), then publish.
 */
export async function retryOwedAlert(
  deps: AccountStateDeps,
  state: WatcherState,
  now: string,
  tally: TickTally,
): Promise<WatcherState> {
  const owed = state.alertOwed;
  if (owed) tally.sawOwed(owed.detectedAt);
  if (!owed || !isAlertDue(state, now)) return state;
  let claimed: WatcherState;
  try {
    claimed = await deps.watcherState.saveWatcherState(state, {
      ...fieldsOf(state),
      alertOwed: { ...owed, retryAt: addMs(now, deps.policy.notificationLeaseMs) },
    });
  } catch (error) {
    if (!(error instanceof ConcurrentUpdateError)) throw error;
    return deps.watcherState.getWatcherState();
  }
  return publishAlert(deps, claimed, tally);
}

/** Publishes the owed alert of `state` (whose lease this tick holds), then clears it. */
async function publishAlert(
  deps: AccountStateDeps,
  state: WatcherState,
  tally: TickTally,
): Promise<WatcherState> {
  const owed = state.alertOwed;
  if (!owed) return state;
  const alert = renderWatcherAlert(owed.incident, owed.phase, owed.detectedAt);
  // An alert recorded before the operator channel existed may list email or SMS as delivered:
  // those are ignored, and it completes once the alert channels have it.
  const outcome = await publishToChannels(deps.alertNotifier, alert, owed.deliveredChannels);
  let next: WatcherStateFields;
  if (outcome.failures.length > 0) {
    // Still owed: a later tick sends the missing channels once the lease runs out.
    tally.countError('publish_failed');
    deps.log.error('Operator alert publish failed; it stays owed', {
      event_id: alert.eventId,
      failed_channels: outcome.failures.map((failure) => failure.channel),
      error: outcome.failures[0]?.error,
    });
    if (outcome.delivered.length === owed.deliveredChannels.length) return state;
    next = { ...fieldsOf(state), alertOwed: { ...owed, deliveredChannels: outcome.delivered } };
  } else {
    tally.summary.alerts += 1;
    deps.log.warn('Operator alert published', { event_id: alert.eventId, event_type: alert.eventType });
    next = { ...fieldsOf(state), alertOwed: null };
  }
  try {
    return await deps.watcherState.saveWatcherState(state, next);
  } catch (error) {
    if (!(error instanceof ConcurrentUpdateError)) throw error;
    deps.log.info('Watcher state changed by a concurrent tick after an alert was published');
    return deps.watcherState.getWatcherState();
  }
}
