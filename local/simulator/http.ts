import type { IncomingMessage } from 'node:http';

/** What the simulator decided to answer; the server writes it verbatim. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Recorded in the request log so tests can filter by job. */
  jobId?: string;
}

/** The decision to destroy the socket without answering. */
export interface Reset {
  reset: true;
  jobId?: string;
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

// The real API looks like ASP.NET Core (problem+json with traceId and an `errors` map), which links RFC 9110.
const PROBLEM_TYPES: Record<number, string> = {
  400: 'https://tools.ietf.org/html/rfc9110#section-15.5.1',
  401: 'https://tools.ietf.org/html/rfc9110#section-15.5.2',
  402: 'https://tools.ietf.org/html/rfc9110#section-15.5.3',
  404: 'https://tools.ietf.org/html/rfc9110#section-15.5.5',
  413: 'https://tools.ietf.org/html/rfc9110#section-15.5.14',
  422: 'https://tools.ietf.org/html/rfc9110#section-15.5.21',
  429: 'https://tools.ietf.org/html/rfc6585#section-4',
  500: 'https://tools.ietf.org/html/rfc9110#section-15.6.1',
  503: 'https://tools.ietf.org/html/rfc9110#section-15.6.4',
};

/** An RFC 9457 problem document as the real API would send it. */
export function problemBody(
  status: number,
  title: string,
  detail: string,
  traceId: string,
  extra = {},
): string {
  return JSON.stringify({
    type: PROBLEM_TYPES[status] ?? 'about:blank',
    title,
    status,
    detail,
    traceId,
    ...extra,
  });
}

export function jsonReply(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': JSON_CONTENT_TYPE, ...headers }, body: JSON.stringify(body) };
}

/** The path without its query string; never throws, unlike `new URL` on hostile input such as `//host`. */
export function pathOf(rawUrl: string | undefined): string {
  return (rawUrl ?? '/').split('?')[0] ?? '/';
}

/**
 * Reads a request body as UTF-8, resolving `undefined` when it exceeds `limitBytes`. The oversized body
 * is still drained, so the client gets a 413 instead of a stalled upload.
 */
export function readBody(request: IncomingMessage, limitBytes: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) chunks.push(chunk);
    });
    request.on('end', () => {
      resolve(size <= limitBytes ? Buffer.concat(chunks).toString('utf8') : undefined);
    });
    // After 'end' this is a no-op; before it, the client went away mid-upload.
    request.on('close', () => {
      reject(new Error('request closed before its body was read'));
    });
  });
}

/** Validated input of `POST /companies/enrich/bulk`, or the `errors` map of a 422. */
export type CreateRequest =
  { domains: string[]; webhookUrl: string | null } | { errors: Record<string, string[]> };

/**
 * Validates a create-job body and de-duplicates its domains (trimmed, case-insensitive) the way the real
 * API counts `total_domains`. The 1..maxDomains limit applies to the entries as sent.
 */
export function parseCreateRequest(body: unknown, maxDomains: number): CreateRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { errors: { body: ['The request body must be a JSON object.'] } };
  }
  const { domains, webhook_url: webhookUrl } = body as Record<string, unknown>;
  const errors: Record<string, string[]> = {};
  const entries: unknown[] = Array.isArray(domains) ? domains : [];
  if (!Array.isArray(domains))
    errors.domains = ['The domains field is required and must be an array of strings.'];
  else if (entries.length < 1 || entries.length > maxDomains) {
    errors.domains = [`The domains field must contain between 1 and ${maxDomains} entries.`];
  } else if (entries.some((entry) => typeof entry !== 'string' || entry.trim() === '')) {
    errors.domains = ['Every domain must be a non-empty string.'];
  }
  if (webhookUrl !== undefined && webhookUrl !== null && !isHttpUrl(webhookUrl)) {
    errors.webhook_url = ['The webhook_url field must be an absolute http(s) URL or null.'];
  }
  if (Object.keys(errors).length > 0) return { errors };
  return {
    domains: [...new Set((entries as string[]).map((domain) => domain.trim().toLowerCase()))],
    webhookUrl: typeof webhookUrl === 'string' ? webhookUrl : null,
  };
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string' || !URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === 'http:' || protocol === 'https:';
}
