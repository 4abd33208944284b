import pRetry from 'p-retry';
import { z } from 'zod';
import { ApiThrottledError, StatusApiError, StatusApiErrorKind } from '../domain/errors.js';
import type { JobSnapshot } from '../domain/job.js';
import type { StatusApi } from '../ports.js';
import type { ApiKeyProvider } from './api-key.js';

const nullableText = z
  .string()
  .nullish()
  .transform((value) => value ?? null);
const nullableCount = z
  .number()
  .int()
  .nonnegative()
  .nullish()
  .transform((value) => value ?? null);

/**
 * The documented 200 body of `GET /companies/enrich/bulk/{jobId}`. Only `job_id` and `status`
 * are required: the published example omits fields, so the rest are tolerated when absent.
 * `status` stays a plain string here so an undocumented value becomes an anomaly, not a failure.
 * Unknown extra fields are dropped.
 */
export const bulkJobStatusSchema = z.object({
  job_id: z.string().min(1),
  status: z.string().min(1),
  total_domains: nullableCount,
  success_count: nullableCount,
  failed_count: nullableCount,
  credits_charged: nullableCount,
  created_at: nullableText,
  started_at: nullableText,
  completed_at: nullableText,
  results_url: nullableText,
  error_message: nullableText,
});

/** RFC 9457 problem details; every field optional because none is promised. */
const problemSchema = z
  .object({ title: z.string().optional(), detail: z.string().optional() })
  .partial()
  .loose();

/** Bodies larger than this are not a status document; refusing them bounds memory. */
const MAX_BODY_BYTES = 256 * 1024;
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

export interface CompanyEnrichStatusApiOptions {
  /** e.g. https://api.companyenrich.com (no trailing slash). */
  baseUrl: string;
  apiKeys: ApiKeyProvider;
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** Quick in-request retries for connection resets and 502/503/504 (default 1). */
  retries?: number;
  /** First retry delay; randomised between 1x and 2x (default 250 ms). */
  retryDelayMs?: number;
  /** Replaceable for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

const TRANSIENT_HTTP = new Set([502, 503, 504]);

function abortedByTick(cause: unknown): StatusApiError {
  return new StatusApiError(StatusApiErrorKind.Aborted, 'Status request aborted by the tick', {}, { cause });
}

function describe(status: number, problem: { title?: string; detail?: string } | null): string {
  const why = problem?.detail ?? problem?.title;
  return why ? `CompanyEnrich answered ${status}: ${why.slice(0, 300)}` : `CompanyEnrich answered ${status}`;
}

/**
 * HTTP adapter for CompanyEnrich's bulk job status endpoint.
 *
 * Every attempt is bounded by its own timeout and by the caller's signal (the tick's deadline);
 * every 200 body is validated; every failure becomes a {@link StatusApiError} whose message
 * carries neither the API key nor the results URL.
 */
export class CompanyEnrichStatusApi implements StatusApi {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: CompanyEnrichStatusApiOptions) {
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  async getJobStatus(jobId: string, { signal }: { signal: AbortSignal }): Promise<JobSnapshot> {
    const url = `${this.options.baseUrl}/companies/enrich/bulk/${encodeURIComponent(jobId)}`;
    try {
      return await pRetry(() => this.attempt(url, jobId, signal), {
        retries: this.options.retries ?? 1,
        minTimeout: this.options.retryDelayMs ?? 250,
        randomize: true,
        signal,
        shouldRetry: ({ error }) =>
          error instanceof StatusApiError &&
          (error.kind === StatusApiErrorKind.Network ||
            (error.kind === StatusApiErrorKind.ServerError &&
              TRANSIENT_HTTP.has(error.details.httpStatus ?? 0))),
      });
    } catch (error) {
      if (error instanceof StatusApiError) throw error;
      if (signal.aborted) {
        throw abortedByTick(error);
      }
      throw error;
    }
  }

  private async attempt(url: string, jobId: string, signal: AbortSignal): Promise<JobSnapshot> {
    let key: string;
    try {
      key = await this.options.apiKeys.getKey();
    } catch (error) {
      // The cause names the secret and the AWS error; neither carries the key.
      throw new StatusApiError(
        StatusApiErrorKind.ApiKeyUnavailable,
        'The CompanyEnrich API key could not be read',
        {},
        { cause: error },
      );
    }
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const combined = AbortSignal.any([signal, timeout]);
    let response: Response;
    let body: string;
    try {
      response = await this.fetch(url, {
        method: 'GET',
        headers: { authorization: `Bearer ${key}`, accept: 'application/json, application/problem+json' },
        signal: combined,
      });
      const declaredLength = Number(response.headers.get('content-length') ?? '0');
      if (declaredLength > MAX_BODY_BYTES) {
        await response.body?.cancel();
        throw new StatusApiError(
          StatusApiErrorKind.Malformed,
          `Response body too large (${declaredLength} bytes)`,
          {
            httpStatus: response.status,
          },
        );
      }
      body = await response.text();
    } catch (error) {
      if (error instanceof StatusApiError) throw error;
      if (signal.aborted) {
        throw abortedByTick(error);
      }
      if (timeout.aborted) {
        throw new StatusApiError(
          StatusApiErrorKind.Timeout,
          `No answer from CompanyEnrich within ${this.options.timeoutMs} ms`,
          {},
          { cause: error },
        );
      }
      throw new StatusApiError(
        StatusApiErrorKind.Network,
        'Could not reach CompanyEnrich',
        {},
        { cause: error },
      );
    }
    if (response.status === 200) return this.parseDocument(body, jobId);
    return this.raiseForStatus(response, body);
  }

  private parseDocument(body: string, jobId: string): JobSnapshot {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (error) {
      throw new StatusApiError(
        StatusApiErrorKind.Malformed,
        'Status response is not JSON',
        { httpStatus: 200 },
        {
          cause: error,
        },
      );
    }
    const parsed = bulkJobStatusSchema.safeParse(json);
    if (!parsed.success) {
      // Name the fields, not their values: a value could be a pre-signed URL.
      const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(body)'))].join(
        ', ',
      );
      throw new StatusApiError(
        StatusApiErrorKind.Malformed,
        `Status response failed validation at: ${fields}`,
        {
          httpStatus: 200,
        },
      );
    }
    if (parsed.data.job_id.toLowerCase() !== jobId.toLowerCase()) {
      throw new StatusApiError(
        StatusApiErrorKind.Mismatched,
        `Status response is for another job (${parsed.data.job_id.slice(0, 64)})`,
        { httpStatus: 200 },
      );
    }
    return parsed.data;
  }

  private raiseForStatus(response: Response, body: string): never {
    const status = response.status;
    let problem: { title?: string; detail?: string } | null = null;
    try {
      const parsed = problemSchema.safeParse(JSON.parse(body));
      problem = parsed.success ? parsed.data : null;
    } catch {
      // Not JSON: the status code alone decides.
    }
    const details = {
      httpStatus: status,
      ...(problem?.detail || problem?.title ? { apiDetail: problem.detail ?? problem.title } : {}),
    };
    switch (status) {
      case 401:
        // The key may have been rotated: fetch it afresh next time.
        this.options.apiKeys.invalidate();
        throw new StatusApiError(StatusApiErrorKind.Unauthorized, describe(status, problem), details);
      case 402:
        throw new StatusApiError(StatusApiErrorKind.PaymentRequired, describe(status, problem), details);
      case 404:
        throw new StatusApiError(StatusApiErrorKind.NotFound, describe(status, problem), details);
      case 400:
      case 422:
        throw new StatusApiError(StatusApiErrorKind.Rejected, describe(status, problem), details);
      case 429:
        throw new ApiThrottledError(parseRetryAfter(response.headers.get('retry-after'), Date.now()));
      default:
        throw new StatusApiError(
          status >= 500 ? StatusApiErrorKind.ServerError : StatusApiErrorKind.UnexpectedHttpStatus,
          describe(status, problem),
          details,
        );
    }
  }
}
