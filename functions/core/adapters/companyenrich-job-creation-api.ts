import * as z from 'zod/mini';
import { JobCreationError, JobCreationErrorKind } from '../domain/errors.js';
import { JOB_ID_PATTERN } from '../domain/job-id.js';
import type { CreatedJob, JobCreationApi } from '../ports.js';
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

/**
 * The documented 200 body of `POST /companies/enrich/bulk`. Only `job_id` is required: the
 * published example omits `status`. Unknown extra fields are dropped.
 */
export const createdJobSchema = z.object({
  // The pattern `track` accepts: any UUID version, so whatever is created can be tracked.
  job_id: z.string().check(z.regex(JOB_ID_PATTERN)),
  status: z.pipe(
    z.nullish(z.string().check(z.minLength(1))),
    z.transform((value: string | null | undefined) => value ?? null),
  ),
  total_domains: optionalCount,
  estimated_credits: optionalCount,
});

export interface CompanyEnrichJobCreationApiOptions {
  /** e.g. https://api.companyenrich.com (no trailing slash). */
  baseUrl: string;
  /** The same provider the status adapter uses, so a key rotated after a 401 is fetched once. */
  apiKeys: ApiKeyProvider;
  /** Timeout of the one request. */
  timeoutMs: number;
  /** Replaceable for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** The key could not be read: nothing was sent. */
function keyUnreadable(cause: unknown): JobCreationError {
  return new JobCreationError(
    JobCreationErrorKind.ApiKeyUnavailable,
    'The CompanyEnrich API key could not be read',
    {},
    { cause },
  );
}

/** The creation adapter's reading of a request that got no usable answer: the job may exist. */
function unavailable(error: TransportError): JobCreationError {
  const why = error.failure === TransportFailure.Aborted ? 'Job creation request aborted' : error.message;
  return new JobCreationError(
    JobCreationErrorKind.Unavailable,
    why,
    error.httpStatus === null ? {} : { httpStatus: error.httpStatus },
    { cause: error.cause ?? error },
  );
}

/**
 * HTTP adapter for CompanyEnrich's `POST /companies/enrich/bulk`.
 *
 * **Never retried**, not even after a reset or a 503: the endpoint takes no idempotency key, so
 * once the request may have reached the API a retry could create (and bill) a second job. A
 * failure after sending is `unavailable` ("the job may or may not exist"); the caller decides,
 * and the watcher's own `Idempotency-Key` keeps a caller's retry from creating a duplicate of a
 * job it knows about. Every failure is a {@link JobCreationError} that never carries the key.
 */
export class CompanyEnrichJobCreationApi implements JobCreationApi {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: CompanyEnrichJobCreationApiOptions) {
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  async createJob(
    request: { domains: readonly string[]; webhookUrl: string | null },
    { signal }: { signal: AbortSignal },
  ): Promise<CreatedJob> {
    const { apiKeys } = this.options;
    // A 401 created nothing, so the one retry with a rotated key cannot create a second job.
    return withKeyRefresh(
      apiKeys,
      () => readApiKey(apiKeys, keyUnreadable),
      (apiKey) => this.send(request, apiKey, signal),
      (error) => error instanceof JobCreationError && error.kind === JobCreationErrorKind.Unauthorized,
    );
  }

  private async send(
    request: { domains: readonly string[]; webhookUrl: string | null },
    apiKey: string,
    signal: AbortSignal,
  ): Promise<CreatedJob> {
    let answer: ExchangeAnswer;
    try {
      answer = await exchange(this.fetch, {
        method: 'POST',
        url: `${this.options.baseUrl}/companies/enrich/bulk`,
        apiKey,
        json: { domains: request.domains, webhook_url: request.webhookUrl },
        timeoutMs: this.options.timeoutMs,
        signal,
      });
    } catch (error) {
      throw error instanceof TransportError ? unavailable(error) : error;
    }
    if (answer.status === 200 || answer.status === 201) return parseCreatedJob(answer);
    return this.raiseForStatus(answer);
  }

  private raiseForStatus({ status, headers, body }: ExchangeAnswer): never {
    const { message, details } = describeErrorAnswer(status, body);
    switch (status) {
      case 400:
      case 422:
        throw new JobCreationError(JobCreationErrorKind.Rejected, message, details);
      case 401:
        // createJob refetches the key once (it may have been rotated) before this stands.
        throw new JobCreationError(JobCreationErrorKind.Unauthorized, message, details);
      case 402:
        throw new JobCreationError(JobCreationErrorKind.PaymentRequired, message, details);
      case 429:
        throw new JobCreationError(JobCreationErrorKind.Throttled, message, {
          ...details,
          retryAfterMs: parseRetryAfter(headers.get('retry-after'), Date.now()),
        });
      default:
        // A 5xx may come after the job was created; anything else is not a documented answer.
        throw new JobCreationError(JobCreationErrorKind.Unavailable, message, details);
    }
  }
}

/** Validates a 200 body; a body that is not a created job leaves it unknown whether one exists. */
function parseCreatedJob({ status, body }: ExchangeAnswer): CreatedJob {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new JobCreationError(
      JobCreationErrorKind.Unavailable,
      'Job creation response is not JSON',
      { httpStatus: status },
      { cause: error },
    );
  }
  const parsed = createdJobSchema.safeParse(json);
  if (!parsed.success) {
    throw new JobCreationError(
      JobCreationErrorKind.Unavailable,
      `Job creation response failed validation at: ${failedFields(parsed.error.issues)}`,
      { httpStatus: status },
    );
  }
  const { job_id, status: jobStatus, total_domains, estimated_credits } = parsed.data;
  return {
    jobId: job_id.toLowerCase(),
    status: jobStatus,
    totalDomains: total_domains,
    estimatedCredits: estimated_credits,
  };
}
