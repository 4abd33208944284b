import pRetry from 'p-retry';
import * as z from 'zod/mini';
import {
  ApiKeyUnreadableError,
  ApiThrottledError,
  StatusApiError,
  StatusApiErrorKind,
} from '../domain/errors.js';
import type { JobSnapshot } from '../domain/job.js';
import { clipText, SNAPSHOT_LIMITS } from '../domain/limits.js';
import type { StatusApi } from '../ports.js';
import { withKeyRefresh, type ApiKeyProvider } from './api-key.js';
import {
  describeErrorAnswer,
  exchange,
  failedFields,
  optionalCount,
  parseRetryAfter,
  readApiKey,
  TransportError,
  TransportFailure,
  type ExchangeAnswer,
} from './companyenrich-http.js';

// Kept importable from here, where it lived first.
export { parseRetryAfter } from './companyenrich-http.js';

/** An optional string of at most `max` characters; longer is a malformed answer. */
const nullableText = (max: number) =>
  z.pipe(
    z.nullish(z.string().check(z.maxLength(max))),
    z.transform((value: string | null | undefined) => value ?? null),
  );

/**
 * The documented 200 body of `GET /companies/enrich/bulk/{jobId}`. Only `job_id` and `status`
 * are required: the published example omits fields, so the rest are tolerated when absent.
 * `status` stays a plain string here so an undocumented value becomes an anomaly, not a failure.
 * Unknown extra fields are dropped. Every string has a maximum length (`SNAPSHOT_LIMITS`), so
 * what is stored and notified stays small: over it is malformed, except the error message, kept cut.
 */
export const bulkJobStatusSchema = z.object({
  job_id: z.string().check(z.minLength(1), z.maxLength(SNAPSHOT_LIMITS.idLength)),
  status: z.string().check(z.minLength(1), z.maxLength(SNAPSHOT_LIMITS.statusLength)),
  total_domains: optionalCount,
  success_count: optionalCount,
  failed_count: optionalCount,
  credits_charged: optionalCount,
  created_at: nullableText(SNAPSHOT_LIMITS.timestampLength),
  started_at: nullableText(SNAPSHOT_LIMITS.timestampLength),
  completed_at: nullableText(SNAPSHOT_LIMITS.timestampLength),
  results_url: nullableText(SNAPSHOT_LIMITS.resultsUrlLength),
  error_message: z.pipe(
    z.nullish(z.string()),
    z.transform((value: string | null | undefined) =>
      value == null ? null : clipText(value, SNAPSHOT_LIMITS.errorMessageLength),
    ),
  ),
});

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

/** The key could not be read, so no request was sent: an incident, or a tick skipped when it passes. */
function keyUnreadable(cause: unknown): StatusApiError {
  const transient = cause instanceof ApiKeyUnreadableError && cause.transient;
  return new StatusApiError(
    transient ? StatusApiErrorKind.ApiKeyTransient : StatusApiErrorKind.ApiKeyUnavailable,
    transient
      ? 'The CompanyEnrich API key could not be read for now'
      : 'The CompanyEnrich API key could not be read',
    {},
    { cause },
  );
}

/** The status adapter's reading of a request that got no answer. */
function toStatusApiError(error: TransportError): StatusApiError {
  const cause = { cause: error.cause ?? error };
  switch (error.failure) {
    case TransportFailure.Aborted:
      return abortedByTick(error.cause);
    case TransportFailure.Timeout:
      return new StatusApiError(StatusApiErrorKind.Timeout, error.message, {}, cause);
    case TransportFailure.Network:
      return new StatusApiError(StatusApiErrorKind.Network, error.message, {}, cause);
    case TransportFailure.TooLarge:
      return new StatusApiError(StatusApiErrorKind.Malformed, error.message, {
        httpStatus: error.httpStatus ?? undefined,
      });
  }
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
    const { apiKeys } = this.options;
    return withKeyRefresh(
      apiKeys,
      () => readApiKey(apiKeys, keyUnreadable),
      (apiKey) => this.withQuickRetries(url, jobId, apiKey, signal),
      (error) => error instanceof StatusApiError && error.kind === StatusApiErrorKind.Unauthorized,
    );
  }

  /** One request, retried quickly after a reset or a 502/503/504. */
  private async withQuickRetries(
    url: string,
    jobId: string,
    apiKey: string,
    signal: AbortSignal,
  ): Promise<JobSnapshot> {
    try {
      return await pRetry(() => this.attempt(url, jobId, apiKey, signal), {
        retries: this.options.retries ?? 1,
        minTimeout: this.options.retryDelayMs ?? 250,
        randomize: true,
        // p-retry listens for the abort while it waits: on a signal of this request's own, so a
        // tick's `concurrency` checks retrying at once do not pile 32 listeners on the tick's
        // signal (Node's MaxListenersExceededWarning past 10).
        signal: AbortSignal.any([signal]),
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

  private async attempt(
    url: string,
    jobId: string,
    apiKey: string,
    signal: AbortSignal,
  ): Promise<JobSnapshot> {
    let answer: ExchangeAnswer;
    try {
      answer = await exchange(this.fetch, {
        method: 'GET',
        url,
        apiKey,
        timeoutMs: this.options.timeoutMs,
        signal,
      });
    } catch (error) {
      throw error instanceof TransportError ? toStatusApiError(error) : error;
    }
    if (answer.status === 200) return this.parseDocument(answer.body, jobId);
    return this.raiseForStatus(answer);
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
      const fields = failedFields(parsed.error.issues);
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

  private raiseForStatus({ status, headers, body }: ExchangeAnswer): never {
    const { message, details } = describeErrorAnswer(status, body);
    switch (status) {
      case 401:
        // getJobStatus refetches the key once (it may have been rotated) before this stands.
        throw new StatusApiError(StatusApiErrorKind.Unauthorized, message, details);
      case 402:
        throw new StatusApiError(StatusApiErrorKind.PaymentRequired, message, details);
      case 403:
        // A revoked key or a WAF in front of the API: the account is refused, not this job.
        throw new StatusApiError(StatusApiErrorKind.Forbidden, message, details);
      case 404:
        throw new StatusApiError(StatusApiErrorKind.NotFound, message, details);
      case 400:
      case 422:
        throw new StatusApiError(StatusApiErrorKind.Rejected, message, details);
      case 429:
        throw new ApiThrottledError(parseRetryAfter(headers.get('retry-after'), Date.now()));
      default:
        throw new StatusApiError(
          status >= 500 ? StatusApiErrorKind.ServerError : StatusApiErrorKind.UnexpectedHttpStatus,
          message,
          details,
        );
    }
  }
}
