/** The codec of the watcher-state item (see item-codec.ts for what is tolerated). */
import * as z from 'zod/mini';
import { INCIDENT_KINDS } from '../../../contract.js';
import type { WatcherState, WatcherStateFields } from '../../domain/watcher-state.js';
import { channels, counter, decodeItem, nullableMap, nullableText } from './item-codec.js';
import { ItemEntity, WATCHER_STATE_KEY, type Item } from './table.js';

const incidentKind = z.enum(INCIDENT_KINDS);

const watcherStateItem = z.pipe(
  z.object({
    pk: z.literal(WATCHER_STATE_KEY),
    access_incident: nullableMap(z.object({ kind: incidentKind, opened_at: z._default(z.string(), '') })),
    alert_owed: nullableMap(
      z.object({
        phase: z._default(z.enum(['opened', 'recovered']), 'opened'),
        kind: incidentKind,
        opened_at: z._default(z.string(), ''),
        detected_at: z._default(z.string(), ''),
        retry_at: z._default(z.string(), ''),
        delivered_channels: channels,
      }),
    ),
    throttled_until: nullableText,
    throttle_streak: counter,
    version: counter,
  }),
  z.transform((item): WatcherState => ({
    accessIncident: item.access_incident
      ? { kind: item.access_incident.kind, openedAt: item.access_incident.opened_at }
      : null,
    alertOwed: item.alert_owed
      ? {
          phase: item.alert_owed.phase,
          incident: { kind: item.alert_owed.kind, openedAt: item.alert_owed.opened_at },
          detectedAt: item.alert_owed.detected_at,
          retryAt: item.alert_owed.retry_at,
          deliveredChannels: item.alert_owed.delivered_channels,
        }
      : null,
    throttledUntil: item.throttled_until,
    throttleStreak: item.throttle_streak,
    version: item.version,
  })),
);

/**
 * Reads the watcher-state item.
 *
 * @throws MalformedItemError naming the first bad attribute.
 */
export function decodeWatcherStateItem(item: Item): WatcherState {
  return decodeItem(watcherStateItem, item, WATCHER_STATE_KEY);
}

/** The whole watcher-state item for `fields` at `version`. */
export function encodeWatcherStateItem(fields: WatcherStateFields, version: number): Item {
  const { accessIncident, alertOwed } = fields;
  return {
    pk: WATCHER_STATE_KEY,
    entity: ItemEntity.WatcherState,
    access_incident: accessIncident
      ? { kind: accessIncident.kind, opened_at: accessIncident.openedAt }
      : null,
    alert_owed: alertOwed
      ? {
          phase: alertOwed.phase,
          kind: alertOwed.incident.kind,
          opened_at: alertOwed.incident.openedAt,
          detected_at: alertOwed.detectedAt,
          retry_at: alertOwed.retryAt,
          delivered_channels: alertOwed.deliveredChannels,
        }
      : null,
    throttled_until: fields.throttledUntil,
    throttle_streak: fields.throttleStreak,
    version,
  };
}
