/**
 * What each HTTP request came to, as the `outcome` field of one log line per request: the stack's
 * saved Logs Insights queries count requests by it. Not custom metrics: no alarm reads these
 * counts (the 5xx alarm reads API Gateway's, the webhook's Lambda Errors), and CloudWatch would
 * bill every series.
 */
import type { Logger } from '@aws-lambda-powertools/logger';

/** The field that carries the outcome, in the API and webhook log groups. */
export const OUTCOME_FIELD = 'outcome';

export const ApiOutcome = {
  JobTracked: 'job_tracked',
  JobAlreadyTracked: 'job_already_tracked',
  /** Created in CompanyEnrich; the line's `tracking` field says whether it could be tracked too. */
  JobSubmitted: 'job_submitted',
  SubmitReplayed: 'submit_replayed',
  JobRead: 'job_read',
  JobPageListed: 'job_page_listed',
  JobUntracked: 'job_untracked',
  /** 4xx: the caller's request was refused. */
  ClientError: 'client_error',
  /** 502/503 from CompanyEnrich's side (its account, throttling, outage). */
  UpstreamError: 'upstream_error',
  /** 500: a fault of ours; the error is on the same line. */
  ServerError: 'server_error',
} as const;

export const WebhookOutcome = {
  /** The hint led to a status check of the job. */
  Checked: 'checked',
  /** The job had already finished, or was untracked. */
  AlreadyFinal: 'already_final',
  /** Another hint checked the job within the window. */
  RecentlyChecked: 'recently_checked',
  /** Bad token, unknown job or malformed path: answered 404. */
  Rejected: 'rejected',
} as const;

export type RequestOutcome =
  (typeof ApiOutcome)[keyof typeof ApiOutcome] | (typeof WebhookOutcome)[keyof typeof WebhookOutcome];

/** The fixed message of a request's outcome line when it was served (errors have their own). */
export const REQUEST_SERVED = 'Request served';

/** Logs the one outcome line of a request that was served. */
export function logServed(
  logger: Logger,
  outcome: RequestOutcome,
  fields: Record<string, unknown> = {},
): void {
  logger.info(REQUEST_SERVED, { ...fields, [OUTCOME_FIELD]: outcome });
}
