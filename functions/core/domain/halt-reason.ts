import type { AccessProblem } from './errors.js';

/** Why a tick stopped sending status requests before it ran out of due jobs. */
export const HALT_REASONS = [
  'unauthorized',
  'payment_required',
  'api_key_unavailable',
  'throttled',
  'deadline',
  'aborted',
] as const satisfies readonly (AccessProblem | 'throttled' | 'deadline' | 'aborted')[];

export type HaltReason = (typeof HALT_REASONS)[number];
