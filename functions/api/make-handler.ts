import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpRouterHandler, { type Method, type Route } from '@middy/http-router';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { JobsApplication } from '../core/application.js';
import { API_ROUTES } from '../contract.js';
import { answerError } from './error-mapping.js';
import { HttpProblem, ProblemType } from './problem.js';
import { routablePath } from './request.js';
import { jobRoutes } from './routes.js';

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2;

export interface ApiHandlerDeps {
  jobs: JobsApplication;
  logger: Logger;
}

/** `"GET /jobs/{jobId}"` as the router wants it, and a matcher for the 404/405 decision. */
function routeOf(routeKey: string): { method: Method; path: string; pattern: RegExp } {
  const [method = '', path = ''] = routeKey.split(' ');
  const pattern = new RegExp(`^${path.replace(/\{[^/]+\}/g, '[^/]+')}/?$`);
  return { method: method as Method, path, pattern };
}

/**
 * A path that no route has is a 404; a known path asked with another method is a 405 with the
 * methods it does have (RFC 9110 requires `Allow`).
 */
function noRoute(
  routes: readonly { method: Method; pattern: RegExp }[],
  method: string,
  path: string,
): never {
  const allowed = routes.filter((route) => route.pattern.test(path)).map((route) => route.method);
  if (allowed.length > 0) {
    throw new HttpProblem({
      status: 405,
      type: ProblemType.MethodNotAllowed,
      title: 'Method not allowed',
      detail: `${method.slice(0, 16)} is not supported here; use ${[...new Set(allowed)].join(' or ')}`,
      headers: { allow: [...new Set(allowed)].join(', ') },
    });
  }
  throw new HttpProblem({
    status: 404,
    type: ProblemType.NotFound,
    title: 'Not found',
    detail: 'There is no such route; see docs/API.md for the /jobs routes',
  });
}

/**
 * Builds the API Lambda handler (every `/jobs` route of `API_ROUTES`) around an application:
 * production wires the real one in `handler.ts`, tests pass a fake or an emulator-backed one.
 * Every answer is JSON; every error `application/problem+json` (RFC 9457).
 */
export function makeApiHandler(deps: ApiHandlerDeps) {
  const handlers = jobRoutes(deps);
  const routes = (Object.keys(handlers) as (keyof typeof handlers)[]).map((name) => ({
    ...routeOf(API_ROUTES[name]),
    handler: handlers[name],
  }));
  const router = httpRouterHandler<Event, Result>({
    routes: routes.map(({ method, path, handler }): Route<Event, Result> => ({ method, path, handler })),
    notFoundResponse: ({ method, path }) => noRoute(routes, method, path),
  });

  const api = async (event: Event, context: Context): Promise<Result> => {
    try {
      const routable = {
        ...event,
        requestContext: {
          ...event.requestContext,
          http: { ...event.requestContext.http, path: routablePath(event) },
        },
      };
      return await router(routable, context);
    } catch (error) {
      return answerError(error, event, deps);
    }
  };
  return middy(api).use(injectLambdaContext(deps.logger));
}
