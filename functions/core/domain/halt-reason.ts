import type { IncidentKind } from './errors.js';

/** Why a tick stopped sending status requests before it ran out of due jobs. */
export const HALT_REASONS = [
  'unauthorized',
  'payment_required',
  'forbidden',
  'api_key_unavailable',
  'api_key_transient',
  'systematic_not_found',
  'systematic_rejected',
  'throttled',
  'deadline',
  'aborted',
] as const satisfies readonly (IncidentKind | 'api_key_transient' | 'throttled' | 'deadline' | 'aborted')[];

export type HaltReason = (typeof HALT_REASONS)[number];
