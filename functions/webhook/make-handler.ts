import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { answerError } from '../api/error-mapping.js';
import { logServed, WebhookOutcome } from '../api/outcome.js';
import { HttpProblem, jsonResponse, problemResponse, ProblemType } from '../api/problem.js';
import { assertBodyWithin, BODY_LIMITS } from '../api/request.js';
import type { WebhookApplication } from '../core/application.js';
import { JobNotTrackedError, ValidationError } from '../core/domain/errors.js';
import { JOB_ID_PATTERN } from '../core/domain/job-id.js';

type Result = APIGatewayProxyStructuredResultV2;

export interface WebhookHandlerDeps {
  webhooks: WebhookApplication;
  logger: Logger;
}

/** Tokens travel in a URL path: unreserved characters only, bounded. */
const TOKEN = /^[A-Za-z0-9._~-]{1,256}$/;
/** Left for answering when the hint's status check has to give up before the Lambda deadline. */
const ANSWER_RESERVE_MS = 500;
/** The `instance` of every webhook problem: never the job id or the token from the path. */
const INSTANCE = '/hooks/companyenrich';

/** One answer for a bad token, an unknown job and a malformed path alike: nothing is revealed. */
const NOT_FOUND = {
  status: 404,
  type: ProblemType.NotFound,
  title: 'Not found',
  detail: 'There is no webhook at this address',
} as const;

function notFound(event: APIGatewayProxyEventV2, logger: Logger): Result {
  logServed(logger, WebhookOutcome.Rejected);
  return problemResponse(NOT_FOUND, { instance: INSTANCE, requestId: event.requestContext.requestId });
}

/**
 * Builds the webhook Lambda handler (`POST /hooks/companyenrich/{submissionId}/{token}`). CompanyEnrich's
 * callback body is undocumented and unsigned, so it is never read beyond its size: the call is
 * only a hint to check that one job now, through `WebhookApplication.hint`.
 */
export function makeWebhookHandler(deps: WebhookHandlerDeps) {
  const webhook = async (event: APIGatewayProxyEventV2, context: Context): Promise<Result> => {
    try {
      if (event.requestContext.http.method !== 'POST') {
        throw new HttpProblem({
          status: 405,
          type: ProblemType.MethodNotAllowed,
          title: 'Method not allowed',
          detail: 'The webhook accepts POST only',
          headers: { allow: 'POST' },
        });
      }
      assertBodyWithin(event, BODY_LIMITS.webhook);
      // The id is the watcher's submission id (a UUID): the job id does not exist yet when the
      // callback URL is handed to CompanyEnrich.
      const submissionId = event.pathParameters?.submissionId ?? '';
      const token = event.pathParameters?.token ?? '';
      if (!JOB_ID_PATTERN.test(submissionId) || !TOKEN.test(token)) return notFound(event, deps.logger);
      const signal = AbortSignal.timeout(Math.max(1, context.getRemainingTimeInMillis() - ANSWER_RESERVE_MS));
      const outcome = await deps.webhooks.hint(submissionId.toLowerCase(), token, { signal });
      if (outcome === 'not_found') return notFound(event, deps.logger);
      logServed(deps.logger, outcome, { submission_id: submissionId.toLowerCase() });
      return jsonResponse(202, { accepted: true });
    } catch (error) {
      // Whatever the application says about the job, the caller learns no more than "not found".
      if (error instanceof ValidationError || error instanceof JobNotTrackedError)
        return notFound(event, deps.logger);
      return answerError(error, event, deps, INSTANCE);
    }
  };
  return middy(webhook).use(injectLambdaContext(deps.logger));
}
