/**
 * RFC 9457 problem details: every error either HTTP function answers is one of these, as
 * `application/problem+json`. Shared by functions/api and functions/webhook.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { WatcherError } from '../core/domain/errors.js';

/**
 * The problem types, as `tag:` URIs (RFC 9457 section 3.1.1: a type need not be dereferenceable;
 * docs/API.md lists each one). The slug says what went wrong; `title` repeats it for people.
 */
export const ProblemType = {
  MalformedRequest: 'malformed-request',
  ValidationFailed: 'validation-failed',
  UnsupportedMediaType: 'unsupported-media-type',
  PayloadTooLarge: 'payload-too-large',
  NotFound: 'not-found',
  MethodNotAllowed: 'method-not-allowed',
  IdempotencyConflict: 'idempotency-conflict',
  SubmissionInProgress: 'submission-in-progress',
  ConcurrentUpdate: 'concurrent-update',
  JobRejected: 'job-rejected',
  UpstreamAccount: 'companyenrich-account-problem',
  UpstreamThrottled: 'companyenrich-throttled',
  UpstreamUnavailable: 'companyenrich-unavailable',
  InternalError: 'internal-error',
} as const;

export type ProblemType = (typeof ProblemType)[keyof typeof ProblemType];

const TYPE_URI_PREFIX = 'tag:enrich-job-watch,2026:problem:';

/** The URI of a problem type, as it appears in a response's `type` member. */
export function problemTypeUri(type: ProblemType): string {
  return `${TYPE_URI_PREFIX}${type}`;
}

/** One invalid part of a request: an RFC 6901 JSON pointer into the body, or a header/query name. */
export interface InvalidParam {
  /** `/domains/3` for the body, `header:idempotency-key`, `query:limit`, `path:jobId`. */
  pointer: string;
  detail: string;
}

/** What a problem needs beyond its status; `detail` is always safe to show the caller. */
export interface ProblemInit {
  status: number;
  type: ProblemType;
  title: string;
  detail: string;
  errors?: InvalidParam[];
  headers?: Record<string, string>;
}

/**
 * An HTTP answer other than success, thrown by the request parsing and the error mapping and
 * turned into a response in one place (`problemResponse`).
 */
export class HttpProblem extends WatcherError {
  override name = 'HttpProblem';
  constructor(
    readonly problem: ProblemInit,
    options?: ErrorOptions,
  ) {
    super(`${problem.status} ${problem.title}: ${problem.detail}`, options);
  }
}

/** Where the problem occurred, and the id that finds its log lines. */
export interface ProblemContext {
  instance: string;
  requestId: string;
}

/** The `application/problem+json` response for a problem. */
export function problemResponse(
  problem: ProblemInit,
  context: ProblemContext,
): APIGatewayProxyStructuredResultV2 {
  const body = {
    type: problemTypeUri(problem.type),
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    instance: context.instance,
    request_id: context.requestId,
    ...(problem.errors ? { errors: problem.errors } : {}),
  };
  return {
    statusCode: problem.status,
    headers: { 'content-type': 'application/problem+json', ...problem.headers },
    body: JSON.stringify(body),
  };
}

/** A JSON success response. */
export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}
