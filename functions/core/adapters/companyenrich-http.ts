/**
 * The HTTP plumbing CompanyEnrich's endpoints share: one bounded exchange (timeout, the caller's
 * signal, a body size limit), the API key, problem+json error bodies and `Retry-After`. Each
 * adapter maps what goes wrong here onto its own typed error.
 */
import * as z from 'zod/mini';
import { WatcherError } from '../domain/errors.js';
import type { ApiKeyProvider } from './api-key.js';

/** Bodies larger than this are not an answer of these endpoints; refusing them bounds memory. */
export const MAX_RESPONSE_BYTES = 256 * 1024;
/** A server-sent Retry-After beyond this is treated as this: the watcher re-checks at least hourly. */
const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * Parses a `Retry-After` header: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
 *
 * @returns milliseconds to wait (capped at one hour), or null when absent or unusable.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null || value.trim() === '') return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed) * 1000, MAX_RETRY_AFTER_MS);
  // An HTTP-date always names its weekday and month; anything else (e.g. "-5") is not one.
  if (!/[a-z]{3}/i.test(trimmed)) return null;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(at - nowMs, 0), MAX_RETRY_AFTER_MS);
}

/** RFC 9457 problem details; every field optional because none is promised. */
const problemSchema = z.looseObject({ title: z.optional(z.string()), detail: z.optional(z.string()) });

/** What an error answer said, ready for a typed error. */
export interface ErrorAnswer {
  /** e.g. `CompanyEnrich answered 422: Validation failed.` (the API's words cut at 300 characters). */
  message: string;
  details: { httpStatus: number; apiDetail?: string };
}

/** Reads an error answer's problem+json body, tolerating any body (or none). */
export function describeErrorAnswer(status: number, body: string): ErrorAnswer {
  let problem: { title?: string; detail?: string } | null = null;
  try {
    const parsed = problemSchema.safeParse(JSON.parse(body));
    problem = parsed.success ? parsed.data : null;
  } catch {
    // Not JSON: the status code alone decides.
  }
  const why = problem?.detail ?? problem?.title;
  return {
    message: why
      ? `CompanyEnrich answered ${status}: ${why.slice(0, 300)}`
      : `CompanyEnrich answered ${status}`,
    details: { httpStatus: status, ...(why ? { apiDetail: why } : {}) },
  };
}

/**
 * Reads the API key, turning any failure into the adapter's own error. The cause names the
 * secret and the AWS error; neither carries the key.
 */
export async function readApiKey(
  apiKeys: ApiKeyProvider,
  unavailable: (cause: unknown) => Error,
): Promise<string> {
  try {
    return await apiKeys.getKey();
  } catch (error) {
    throw unavailable(error);
  }
}

/** How an exchange failed before an answer could be read. */
export const TransportFailure = {
  /** The caller's signal aborted it. */
  Aborted: 'aborted',
  Timeout: 'timeout',
  Network: 'network',
  /** The answer's body is over {@link MAX_RESPONSE_BYTES}, declared or counted while read. */
  TooLarge: 'too_large',
} as const;

export type TransportFailure = (typeof TransportFailure)[keyof typeof TransportFailure];

/** No readable answer came back. Never carries the API key (the request is not kept). */
export class TransportError extends WatcherError {
  override name = 'TransportError';
  constructor(
    readonly failure: TransportFailure,
    message: string,
    readonly httpStatus: number | null = null,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** One request to CompanyEnrich. */
export interface ExchangeRequest {
  method: 'GET' | 'POST';
  url: string;
  apiKey: string;
  /** JSON-serialisable request body (POST only). */
  json?: unknown;
  timeoutMs: number;
  signal: AbortSignal;
}

/** A complete answer: its status, headers and body text. */
export interface ExchangeAnswer {
  status: number;
  headers: Headers;
  body: string;
}

/**
 * Sends one request, bounded by its own timeout and by the caller's signal, and reads the whole
 * answer.
 *
 * @throws TransportError when no answer could be read (aborted, timed out, network, too large).
 */
export async function exchange(fetchFn: typeof fetch, request: ExchangeRequest): Promise<ExchangeAnswer> {
  const { signal, timeoutMs } = request;
  const timeout = AbortSignal.timeout(timeoutMs);
  const headers: Record<string, string> = {
    authorization: `Bearer ${request.apiKey}`,
    accept: 'application/json, application/problem+json',
    ...(request.json === undefined ? {} : { 'content-type': 'application/json' }),
  };
  try {
    const response = await fetchFn(request.url, {
      method: request.method,
      headers,
      ...(request.json === undefined ? {} : { body: JSON.stringify(request.json) }),
      signal: AbortSignal.any([signal, timeout]),
    });
    const declaredLength = Number(response.headers.get('content-length') ?? '0');
    if (declaredLength > MAX_RESPONSE_BYTES) {
      await response.body?.cancel();
      const message = `Response body too large (${declaredLength} bytes)`;
      throw new TransportError(TransportFailure.TooLarge, message, response.status);
    }
    return { status: response.status, headers: response.headers, body: await readCapped(response) };
  } catch (error) {
    if (error instanceof TransportError) throw error;
    if (signal.aborted)
      throw new TransportError(TransportFailure.Aborted, 'Request aborted', null, { cause: error });
    if (timeout.aborted) {
      const message = `No answer from CompanyEnrich within ${timeoutMs} ms`;
      throw new TransportError(TransportFailure.Timeout, message, null, { cause: error });
    }
    throw new TransportError(TransportFailure.Network, 'Could not reach CompanyEnrich', null, {
      cause: error,
    });
  }
}

/**
 * Reads a body as text, giving up as soon as it passes {@link MAX_RESPONSE_BYTES}: a chunked
 * body declares no length, so only counting while reading bounds the memory it takes.
 *
 * @throws TransportError (too large) after cancelling the rest of the body.
 */
async function readCapped(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    bytes += value.byteLength;
    if (bytes > MAX_RESPONSE_BYTES) {
      await reader.cancel();
      const message = `Response body larger than ${MAX_RESPONSE_BYTES} bytes`;
      throw new TransportError(TransportFailure.TooLarge, message, response.status);
    }
    text += decoder.decode(value, { stream: true });
  }
}

/**
 * Validation problems as field paths, never values: a value could be a pre-signed URL or
 * anything else the caller should not see in a log.
 */
export function failedFields(issues: readonly { path: readonly PropertyKey[] }[]): string {
  return [...new Set(issues.map((issue) => issue.path.map(String).join('.') || '(body)'))].join(', ');
}

/** A count the API may omit or send as null: a whole number from 0, or null. */
export const optionalCount = z.pipe(
  z.nullish(z.int().check(z.nonnegative())),
  z.transform((value: number | null | undefined) => value ?? null),
);
