/**
 * The one place a thrown error becomes an HTTP answer. The domain's typed errors are the caller's
 * problem (4xx) or CompanyEnrich's (502/503, saying so); anything else is a fault of ours: a 500
 * with a generic detail, the error itself only in the log.
 */
import {
  ConcurrentUpdateError,
  IdempotencyConflictError,
  JobCreationError,
  JobCreationErrorKind,
  JobNotTrackedError,
  SubmissionInProgressError,
  ValidationError,
} from '../core/domain/errors.js';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ApiOutcome, OUTCOME_FIELD } from './outcome.js';
import { HttpProblem, problemResponse, ProblemType, type ProblemInit } from './problem.js';

/** When CompanyEnrich throttled without saying for how long. */
const DEFAULT_RETRY_AFTER_SECONDS = 60;
/** A concurrent submission with the same key usually finishes within a few seconds. */
const IN_PROGRESS_RETRY_AFTER_SECONDS = 5;

const ACCOUNT_PROBLEM_SUFFIX =
  'This is a problem with the watcher’s own CompanyEnrich account, not with your request or your credentials; ' +
  'the watcher’s operator has to fix it. Nothing was created or tracked.';

function creationProblem(error: JobCreationError): ProblemInit {
  const apiDetail = error.details.apiDetail ? `: ${error.details.apiDetail.slice(0, 500)}` : '';
  switch (error.kind) {
    case JobCreationErrorKind.Rejected:
      return {
        status: 422,
        type: ProblemType.JobRejected,
        title: 'CompanyEnrich rejected the job',
        detail: `CompanyEnrich refused to create the job (HTTP ${error.details.httpStatus ?? 'error'})${apiDetail}. Nothing was tracked.`,
      };
    case JobCreationErrorKind.Unauthorized:
      return account(502, `CompanyEnrich does not accept the watcher’s API key. ${ACCOUNT_PROBLEM_SUFFIX}`);
    case JobCreationErrorKind.PaymentRequired:
      return account(502, `The watcher’s CompanyEnrich account is out of credits. ${ACCOUNT_PROBLEM_SUFFIX}`);
    case JobCreationErrorKind.ApiKeyUnavailable:
      return account(503, `The watcher cannot read its CompanyEnrich API key. ${ACCOUNT_PROBLEM_SUFFIX}`);
    case JobCreationErrorKind.Throttled: {
      const seconds = Math.max(
        1,
        Math.ceil((error.details.retryAfterMs ?? DEFAULT_RETRY_AFTER_SECONDS * 1000) / 1000),
      );
      return {
        status: 503,
        type: ProblemType.UpstreamThrottled,
        title: 'CompanyEnrich is throttling the watcher',
        detail: `CompanyEnrich answered 429 Too Many Requests; nothing was created. Retry after ${seconds} seconds.`,
        headers: { 'retry-after': String(seconds) },
      };
    }
    case JobCreationErrorKind.Unavailable:
      return {
        status: 502,
        type: ProblemType.UpstreamUnavailable,
        title: 'CompanyEnrich did not answer',
        detail:
          'CompanyEnrich did not confirm the job (an error, a timeout or an unexpected answer). ' +
          'Nothing was tracked; retry with the same Idempotency-Key.',
      };
  }
}

function account(status: 502 | 503, detail: string): ProblemInit {
  return { status, type: ProblemType.UpstreamAccount, title: 'CompanyEnrich account problem', detail };
}

/**
 * The problem for `error`.
 *
 * @param options.validationStatus what a `ValidationError` from the application means on this
 *   route: 422 for a body the domain rejects, 400 where the input came from the query string.
 */
export function problemFor(error: unknown, options: { validationStatus?: 400 | 422 } = {}): ProblemInit {
  if (error instanceof HttpProblem) return error.problem;
  if (error instanceof ValidationError) {
    const status = options.validationStatus ?? 422;
    return status === 400
      ? { status, type: ProblemType.MalformedRequest, title: 'Malformed request', detail: error.message }
      : { status, type: ProblemType.ValidationFailed, title: 'Invalid request', detail: error.message };
  }
  if (error instanceof JobNotTrackedError) {
    return {
      status: 404,
      type: ProblemType.NotFound,
      title: 'Job not tracked',
      detail: `Job ${error.jobId} is not tracked by this watcher`,
    };
  }
  if (error instanceof IdempotencyConflictError) {
    return {
      status: 422,
      type: ProblemType.IdempotencyConflict,
      title: 'Idempotency-Key reused',
      detail:
        'This Idempotency-Key was already used with a different request body; use a new key for a new job',
    };
  }
  if (error instanceof SubmissionInProgressError) {
    return {
      status: 409,
      type: ProblemType.SubmissionInProgress,
      title: 'Submission in progress',
      detail:
        'A submission with this Idempotency-Key is still being processed; retry shortly with the same key and body',
      headers: { 'retry-after': String(IN_PROGRESS_RETRY_AFTER_SECONDS) },
    };
  }
  if (error instanceof ConcurrentUpdateError) {
    return {
      status: 409,
      type: ProblemType.ConcurrentUpdate,
      title: 'Concurrent update',
      detail: 'The job changed while this request was handled; retry the request',
    };
  }
  if (error instanceof JobCreationError) return creationProblem(error);
  return INTERNAL_ERROR;
}

/** The answer to a fault of ours: generic on purpose, the log has the error and the request id. */
export const INTERNAL_ERROR: ProblemInit = {
  status: 500,
  type: ProblemType.InternalError,
  title: 'Internal error',
  detail:
    'The watcher failed to handle this request; it has been logged. Quote the request_id when reporting it.',
};

/**
 * The problem response for anything a route threw, logged by who is at fault: a 5xx of ours at
 * error level with the error itself, CompanyEnrich's at warn, the caller's at info.
 *
 * @param instance the `instance` member; defaults to the request path.
 */
export function answerError(
  error: unknown,
  event: APIGatewayProxyEventV2,
  observers: { logger: Logger },
  instance: string = event.rawPath,
): APIGatewayProxyStructuredResultV2 {
  const { logger } = observers;
  const problem = problemFor(error);
  const details = { status: problem.status, problem_type: problem.type };
  if (problem === INTERNAL_ERROR) {
    logger.error('Request failed', {
      ...details,
      [OUTCOME_FIELD]: ApiOutcome.ServerError,
      error: describeError(error),
    });
  } else if (problem.status >= 500) {
    logger.warn('CompanyEnrich could not serve the request', {
      ...details,
      [OUTCOME_FIELD]: ApiOutcome.UpstreamError,
      detail: problem.detail,
    });
  } else {
    logger.info('Request refused', {
      ...details,
      [OUTCOME_FIELD]: ApiOutcome.ClientError,
      detail: problem.detail,
    });
  }
  return problemResponse(problem, { instance, requestId: event.requestContext.requestId });
}

/** The error with its chain of causes, as plain data the JSON log can hold. */
function describeError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { value: typeof error === 'string' ? error : JSON.stringify(error) };
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    ...(error.cause !== undefined && depth < 3 ? { cause: describeError(error.cause, depth + 1) } : {}),
  };
}
