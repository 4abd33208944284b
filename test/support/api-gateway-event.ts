import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { API_ROUTES } from '../../functions/contract.js';

/** What a test says about a request; everything else is filled in as API Gateway would. */
export interface ApiRequest {
  method: string;
  /** The path without query string, e.g. `/jobs/3fa8...`. */
  path: string;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  /** Encode the body as API Gateway does for binary media types. A Buffer is always encoded. */
  base64?: boolean;
  /** The string body is already the (possibly broken) base64 text API Gateway would send. */
  rawBase64?: boolean;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** Defaults to `$default`, whose paths carry no stage prefix. */
  stage?: string;
}

/** The route key API Gateway would match, with its path parameters (as an HTTP API does). */
function matchRoute(
  method: string,
  path: string,
): { routeKey: string; pathParameters?: Record<string, string> } {
  for (const routeKey of Object.values(API_ROUTES)) {
    const [routeMethod, template = ''] = routeKey.split(' ');
    if (routeMethod !== method) continue;
    const names: string[] = [];
    const pattern = new RegExp(
      `^${template.replace(/\{([^/]+)\}/g, (_match, name: string) => {
        names.push(name);
        return '([^/]+)';
      })}$`,
    );
    const match = pattern.exec(path);
    if (!match) continue;
    if (names.length === 0) return { routeKey };
    return {
      routeKey,
      pathParameters: Object.fromEntries(
        names.map((name, index) => [name, decodePathSegment(match[index + 1] ?? '')]),
      ),
    };
  }
  return { routeKey: '$default' };
}

/** HTTP API decodes path parameters; a broken escape is passed on as it came. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function encodeBody(request: ApiRequest): { body?: string; isBase64Encoded: boolean } {
  if (request.body === undefined) return { isBase64Encoded: false };
  if (Buffer.isBuffer(request.body)) return { body: request.body.toString('base64'), isBase64Encoded: true };
  const text = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
  if (request.rawBase64) return { body: text, isBase64Encoded: true };
  if (request.base64) return { body: Buffer.from(text, 'utf8').toString('base64'), isBase64Encoded: true };
  return { body: text, isBase64Encoded: false };
}

/**
 * An API Gateway HTTP API event, payload format 2.0, as the Lambda integration receives it:
 * route key, raw path and query, lower-cased headers, path parameters, request context with
 * the `http` block and an IAM authoriser, and the body (base64 when asked or binary).
 */
export function apiGatewayEvent(request: ApiRequest): APIGatewayProxyEventV2 {
  const stage = request.stage ?? '$default';
  const rawPath = stage === '$default' ? request.path : `/${stage}${request.path}`;
  const headers = Object.fromEntries(
    Object.entries({
      host: 'abc123.execute-api.us-east-1.amazonaws.com',
      'user-agent': 'vitest',
      ...request.headers,
    }).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const query = request.query ?? {};
  const { routeKey, pathParameters } = matchRoute(request.method, request.path);
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: new URLSearchParams(query).toString(),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(pathParameters ? { pathParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: {
        method: request.method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '198.51.100.7',
        userAgent: 'vitest',
      },
      requestId: `req-${Math.abs(hash(`${request.method} ${rawPath}`)).toString(36)}`,
      routeKey,
      stage,
      time: '29/Nov/2026:10:00:00 +0000',
      timeEpoch: Date.parse('2026-11-29T10:00:00Z'),
    },
    ...encodeBody(request),
  };
}

function hash(text: string): number {
  let value = 0;
  for (const char of text) value = (value * 31 + (char.codePointAt(0) ?? 0)) | 0;
  return value;
}

/** A Lambda context for an HTTP function, with `remainingMs` left before the deadline. */
export function httpLambdaContext(remainingMs = 29_000, functionName = 'enrich-job-watch-api'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: 'http-test-request',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => remainingMs,
  } as Context;
}

/** A response as a test reads it: status, lower-cased headers and the parsed JSON body. */
export interface ParsedResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Parses a structured result; a body that is not JSON fails the test here. */
export function parseResponse(result: APIGatewayProxyStructuredResultV2): ParsedResponse {
  const headers = Object.fromEntries(
    Object.entries(result.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]),
  );
  return {
    status: result.statusCode ?? 200,
    headers,
    body: result.body === undefined || result.body === '' ? undefined : (JSON.parse(result.body) as unknown),
  };
}
