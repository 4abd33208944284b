/**
 * Reading an API Gateway HTTP API (payload format 2.0) request before anything else sees it:
 * headers, the body's media type, size, encoding and JSON syntax. Each failure is an
 * `HttpProblem` with the status docs/API.md documents (415, 413, 400); nothing here trusts the
 * caller.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HttpProblem, ProblemType } from './problem.js';

const KIB = 1024;

/**
 * Body limits, decoded bytes. A bulk submit of 10,000 domains of the longest legal length (253
 * characters, plus quotes and a comma) is about 2.6 MB; 3 MiB fits that, and its base64 form
 * (4 MiB) still fits Lambda's 6 MB request payload.
 */
export const BODY_LIMITS = {
  track: 64 * KIB,
  submit: 3 * KIB * KIB,
  webhook: 64 * KIB,
} as const;

/** A header's value; HTTP API lower-cases names, but a hand-made event may not. */
export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers as Record<string, string | undefined> | undefined;
  if (!headers) return undefined;
  const direct = headers[name];
  if (direct !== undefined) return direct;
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/** A 400: the request cannot be read at all (as opposed to a 422, readable but invalid). */
export function badRequest(detail: string, cause?: unknown): HttpProblem {
  return new HttpProblem(
    { status: 400, type: ProblemType.MalformedRequest, title: 'Malformed request', detail },
    cause === undefined ? undefined : { cause },
  );
}

function tooLarge(maxBytes: number): HttpProblem {
  return new HttpProblem({
    status: 413,
    type: ProblemType.PayloadTooLarge,
    title: 'Request body too large',
    detail: `The request body is larger than ${maxBytes} bytes, the limit of this route`,
  });
}

function unsupportedMediaType(detail: string): HttpProblem {
  return new HttpProblem({
    status: 415,
    type: ProblemType.UnsupportedMediaType,
    title: 'Unsupported media type',
    detail,
  });
}

const LONE_SURROGATE = /\p{Cs}/u;
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Refuses (413) a body over `maxBytes` decoded bytes, judged from its length alone: nothing is
 * decoded, so an oversized body costs no memory and its content is never looked at.
 */
export function assertBodyWithin(event: APIGatewayProxyEventV2, maxBytes: number): void {
  const body = event.body ?? '';
  if (event.isBase64Encoded) {
    // Four characters carry three bytes, less one per `=` of padding.
    const padding = body.endsWith('==') ? 2 : body.endsWith('=') ? 1 : 0;
    if (Math.floor((body.length * 3) / 4) - padding > maxBytes) throw tooLarge(maxBytes);
    return;
  }
  // A UTF-16 code unit is at least one UTF-8 byte: the cheap length check comes first.
  if (body.length > maxBytes || Buffer.byteLength(body, 'utf8') > maxBytes) throw tooLarge(maxBytes);
}

/**
 * The body's bytes, at most `maxBytes` of them (413 beyond), decoding base64 when API Gateway
 * encoded it; 400 for base64 that is not, or text that was not UTF-8.
 */
export function bodyBytes(event: APIGatewayProxyEventV2, maxBytes: number): Buffer {
  assertBodyWithin(event, maxBytes);
  const body = event.body ?? '';
  if (!event.isBase64Encoded) {
    // A lone surrogate is what invalid UTF-8 becomes once it is a JavaScript string.
    if (LONE_SURROGATE.test(body)) throw badRequest('The request body is not valid UTF-8 text');
    return Buffer.from(body, 'utf8');
  }
  if (!STRICT_BASE64.test(body)) throw badRequest('The request body is marked base64 but is not base64');
  const bytes = Buffer.from(body, 'base64');
  if (bytes.length > maxBytes) throw tooLarge(maxBytes);
  return bytes;
}

/** Accepts `application/json`, optionally with `charset=utf-8`; anything else is a 415. */
function requireJsonMediaType(event: APIGatewayProxyEventV2): void {
  const contentType = header(event, 'content-type');
  if (contentType === undefined || contentType.trim() === '') {
    throw unsupportedMediaType('The request has no Content-Type; send the body as application/json');
  }
  const [mediaType = '', ...parameters] = contentType.split(';');
  if (mediaType.trim().toLowerCase() !== 'application/json') {
    throw unsupportedMediaType(
      `Content-Type "${contentType.slice(0, 100)}" is not supported; send the body as application/json`,
    );
  }
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=');
    const charset = value
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    if (name.trim().toLowerCase() === 'charset' && charset !== 'utf-8' && charset !== 'utf8') {
      throw unsupportedMediaType('Only the UTF-8 charset is supported for application/json bodies');
    }
  }
  const encoding = header(event, 'content-encoding')?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') {
    throw unsupportedMediaType(
      `Content-Encoding "${encoding.slice(0, 40)}" is not supported; send it uncompressed`,
    );
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The request's JSON body, parsed but not yet validated: checks the media type (415), the size
 * (413), the encoding and the JSON syntax (400), in that order.
 */
export function readJsonBody(event: APIGatewayProxyEventV2, maxBytes: number): unknown {
  requireJsonMediaType(event);
  const bytes = bodyBytes(event, maxBytes);
  if (bytes.length === 0) throw badRequest('The request has no body; send a JSON object');
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch (error) {
    throw badRequest('The request body is not valid UTF-8 text', error);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof SyntaxError ? `: ${error.message.slice(0, 200)}` : '';
    throw badRequest(`The request body is not valid JSON${reason}`, error);
  }
}

/**
 * The path the router matches: `requestContext.http.path` without the stage name, which HTTP
 * API puts in front of it for any stage but `$default`.
 */
export function routablePath(event: APIGatewayProxyEventV2): string {
  const { path } = event.requestContext.http;
  const stage = event.requestContext.stage;
  if (stage && stage !== '$default' && path.startsWith(`/${stage}/`)) return path.slice(stage.length + 1);
  return path;
}
