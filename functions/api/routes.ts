/**
 * The `/jobs` routes: each reads and checks its request (nothing malformed reaches the
 * application), calls one method of `JobsApplication`, and shapes the answer. Errors are thrown
 * and mapped in one place (`error-mapping.ts`).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { JobsApplication, SubmitResult } from '../core/application.js';
import { ValidationError } from '../core/domain/errors.js';
import type { JobSummary } from '../core/ports.js';
import { toJobView } from '../core/use-cases/list-jobs.js';
import { problemFor } from './error-mapping.js';
import { ApiOutcome, logServed } from './outcome.js';
import { HttpProblem, jsonResponse } from './problem.js';
import { BODY_LIMITS, readJsonBody } from './request.js';
import {
  idempotencyKey,
  listQuery,
  pathJobId,
  submitBodySchema,
  trackBodySchema,
  validBody,
} from './schemas.js';

/** Left for answering when a submit has to give up before the Lambda deadline. */
const ANSWER_RESERVE_MS = 1_000;

export interface ApiRouteDeps {
  jobs: JobsApplication;
  logger: Logger;
}

type RouteHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** `/jobs/bulk` and `/jobs` both locate a job under `/jobs/{jobId}`, stage prefix included. */
function locationOf(event: APIGatewayProxyEventV2, jobId: string): string {
  return `${event.rawPath.replace(/\/(bulk)?\/?$/, '')}/${jobId}`;
}

function summaryView(summary: JobSummary) {
  return {
    job_id: summary.jobId,
    status: summary.status,
    label: summary.label,
    tracked_at: summary.trackedAt,
    untracked_at: summary.untrackedAt,
  };
}

/** The body of a submit's answer; a replay gets the same one. */
export function submitView(result: SubmitResult) {
  return {
    job_id: result.jobId,
    domain_count: result.domainCount,
    duplicates_removed: result.duplicatesRemoved,
    tracking: result.tracking,
    job: result.job ? toJobView(result.job) : null,
  };
}

function trackJob(deps: ApiRouteDeps): RouteHandler {
  return async (event) => {
    const body = validBody(trackBodySchema, readJsonBody(event, BODY_LIMITS.track));
    const result = await deps.jobs.track({
      jobId: body.job_id,
      ...(body.label !== undefined ? { label: body.label } : {}),
      ...(body.metadata ? { metadata: body.metadata } : {}),
    });
    if (result.outcome === 'already_tracked') {
      logServed(deps.logger, ApiOutcome.JobAlreadyTracked, { job_id: result.job.jobId });
      return jsonResponse(200, toJobView(result.job));
    }
    logServed(deps.logger, ApiOutcome.JobTracked, { job_id: result.job.jobId });
    return jsonResponse(201, toJobView(result.job), { location: locationOf(event, result.job.jobId) });
  };
}

function submitJob(deps: ApiRouteDeps): RouteHandler {
  return async (event, context) => {
    const json = readJsonBody(event, BODY_LIMITS.submit);
    const key = idempotencyKey(event);
    const body = validBody(submitBodySchema, json);
    const signal = AbortSignal.timeout(Math.max(1, context.getRemainingTimeInMillis() - ANSWER_RESERVE_MS));
    const result = await deps.jobs.submit(
      {
        domains: body.domains,
        ...(body.label !== undefined ? { label: body.label } : {}),
        ...(body.metadata ? { metadata: body.metadata } : {}),
        idempotencyKey: key,
      },
      { signal },
    );
    logServed(
      deps.logger,
      result.outcome === 'replayed' ? ApiOutcome.SubmitReplayed : ApiOutcome.JobSubmitted,
      {
        job_id: result.jobId,
        tracking: result.tracking,
      },
    );
    if (result.tracking === 'failed') {
      deps.logger.error('CompanyEnrich created the job but it could not be tracked', {
        job_id: result.jobId,
      });
    }
    const headers: Record<string, string> = { location: locationOf(event, result.jobId) };
    if (result.outcome === 'replayed') headers['idempotent-replayed'] = 'true';
    return jsonResponse(202, submitView(result), headers);
  };
}

function getJob(deps: ApiRouteDeps): RouteHandler {
  return async (event) => {
    const job = await deps.jobs.get(pathJobId(event));
    logServed(deps.logger, ApiOutcome.JobRead, { job_id: job.jobId });
    return jsonResponse(200, toJobView(job));
  };
}

function listJobs(deps: ApiRouteDeps): RouteHandler {
  return async (event) => {
    const query = listQuery(event);
    try {
      const page = await deps.jobs.list(query);
      logServed(deps.logger, ApiOutcome.JobPageListed, { jobs: page.jobs.length });
      return jsonResponse(200, { items: page.jobs.map(summaryView), next_cursor: page.nextCursor });
    } catch (error) {
      // Everything the application can refuse here came from the query string: a 400.
      if (error instanceof ValidationError)
        throw new HttpProblem(problemFor(error, { validationStatus: 400 }));
      throw error;
    }
  };
}

function untrackJob(deps: ApiRouteDeps): RouteHandler {
  return async (event) => {
    const job = await deps.jobs.untrack(pathJobId(event));
    logServed(deps.logger, ApiOutcome.JobUntracked, { job_id: job.jobId });
    return jsonResponse(200, toJobView(job));
  };
}

/** The handler of each route key in `API_ROUTES` (the webhook route has its own function). */
export function jobRoutes(deps: ApiRouteDeps) {
  return {
    trackJob: trackJob(deps),
    submitJob: submitJob(deps),
    getJob: getJob(deps),
    listJobs: listJobs(deps),
    untrackJob: untrackJob(deps),
  } as const;
}
