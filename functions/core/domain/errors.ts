/** Base of every error this project throws on purpose; anything else is a bug or an outage. */
export class WatcherError extends Error {
  override name = 'WatcherError';
}

/** A configuration value is missing or malformed. Thrown at cold start, naming the variable. */
export class ConfigError extends WatcherError {
  override name = 'ConfigError';
}

/** Input from a person or a caller (job id, label, metadata) is not acceptable. */
export class ValidationError extends WatcherError {
  override name = 'ValidationError';
}

/** The job is already tracked; tracking is idempotent so callers usually report, not fail. */
export class JobAlreadyTrackedError extends WatcherError {
  override name = 'JobAlreadyTrackedError';
  constructor(readonly jobId: string) {
    super(`Job ${jobId} is already tracked`);
  }
}

/**
 * A conditional write lost a race: another poller changed the item since it was read.
 * The other writer's outcome stands; the loser drops its work for this job.
 */
export class ConcurrentUpdateError extends WatcherError {
  override name = 'ConcurrentUpdateError';
  constructor(
    readonly key: string,
    readonly condition: string,
    options?: ErrorOptions,
  ) {
    super(`Conditional write on ${key} failed: ${condition}`, options);
  }
}

/**
 * A stored item does not have the shape this code reads: an attribute holds the wrong type or
 * an unknown value. Names the item's key and the attribute path, never the stored value (a
 * label or metadata value could be anything the caller put there).
 */
export class MalformedItemError extends WatcherError {
  override name = 'MalformedItemError';
  constructor(
    /** The item's partition key, e.g. `JOB#<job_id>`. */
    readonly key: string,
    /** The path of the bad attribute, e.g. `snapshot.total_domains` (empty for the item itself). */
    readonly field: string,
    /** What is wrong with it, e.g. `expected number, got string`. */
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`Stored item ${key} is malformed: ${field ? `${field}: ` : ''}${problem}`, options);
  }
}

/**
 * How a status request failed. The kind decides what the poller does next: stop the tick
 * (unauthorized, payment_required, throttled), end the job (rejected, repeated not_found), or
 * back off and retry on a later tick (everything else).
 */
export const StatusApiErrorKind = {
  Unauthorized: 'unauthorized',
  PaymentRequired: 'payment_required',
  /** A 403: a revoked key or a WAF in front of the API; handled like a 401. */
  Forbidden: 'forbidden',
  /** The key itself could not be read (secret missing, empty or access denied): no request was sent. */
  ApiKeyUnavailable: 'api_key_unavailable',
  /**
   * Reading the key failed in a way that passes (Secrets Manager throttled, 5xx, timeout): no
   * request was sent, the tick skips and the next one tries again. Not an incident.
   */
  ApiKeyTransient: 'api_key_transient',
  NotFound: 'not_found',
  Rejected: 'rejected',
  Throttled: 'throttled',
  ServerError: 'server_error',
  UnexpectedHttpStatus: 'unexpected_http_status',
  Timeout: 'timeout',
  Network: 'network',
  Malformed: 'malformed',
  Mismatched: 'mismatched',
  Aborted: 'aborted',
} as const;

export type StatusApiErrorKind = (typeof StatusApiErrorKind)[keyof typeof StatusApiErrorKind];

/** Narrows an untrusted string (a stored item) to an error kind. */
export function isStatusApiErrorKind(value: string): value is StatusApiErrorKind {
  return (Object.values(StatusApiErrorKind) as string[]).includes(value);
}

/** A status request that did not yield a usable document. Never carries the API key. */
export class StatusApiError extends WatcherError {
  override name = 'StatusApiError';
  constructor(
    readonly kind: StatusApiErrorKind,
    message: string,
    readonly details: {
      httpStatus?: number;
      /** The API's own explanation (problem+json `detail` or `title`), safe to show a user. */
      apiDetail?: string;
    } = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Whether a failed status request still proves the API key works. Only an answer the API itself
 * gave an authorised caller does: a 404, or a 400/422 with a problem body. A 5xx, a 403 or a bare
 * 4xx may come from a gateway in front of the API, so it cannot close an access incident.
 */
export function provesAccess(error: StatusApiError): boolean {
  if (error.kind === StatusApiErrorKind.NotFound) return true;
  return error.kind === StatusApiErrorKind.Rejected && error.details.apiDetail !== undefined;
}

/** A 429. `retryAfterMs` is the server's `Retry-After`, when it sent a usable one. */
export class ApiThrottledError extends StatusApiError {
  override name = 'ApiThrottledError';
  constructor(
    readonly retryAfterMs: number | null,
    httpStatus = 429,
  ) {
    super(StatusApiErrorKind.Throttled, 'CompanyEnrich answered 429 Too Many Requests', { httpStatus });
  }
}

/**
 * The CompanyEnrich API key could not be read. `transient` says whether the failure passes by
 * itself (Secrets Manager throttled, a 5xx, a timeout, the network): then the tick skips and the
 * next one tries again, with no incident. Otherwise (the secret is missing, access is denied, the
 * value is empty or unusable) an operator must act, and an incident is opened.
 */
export class ApiKeyUnreadableError extends WatcherError {
  override name = 'ApiKeyUnreadableError';
  constructor(
    message: string,
    readonly transient: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The account-wide access problems: each stops the tick and opens an incident with one alert. */
export type AccessProblem = 'unauthorized' | 'payment_required' | 'forbidden' | 'api_key_unavailable';

/** Errors that stop the whole tick: the account or its key, not the job, is the problem. */
export function isAccessProblem(kind: StatusApiErrorKind): kind is AccessProblem {
  return (
    kind === StatusApiErrorKind.Unauthorized ||
    kind === StatusApiErrorKind.PaymentRequired ||
    kind === StatusApiErrorKind.Forbidden ||
    kind === StatusApiErrorKind.ApiKeyUnavailable
  );
}

/**
 * Most jobs checked in one tick got the same answer that would end them (404, or 400/422): the
 * API changed or `COMPANYENRICH_API_URL` is wrong, not N bad jobs. The tick halts, no job is
 * ended by that answer, and the operator gets one alert.
 */
export type SystematicProblem = 'systematic_not_found' | 'systematic_rejected';

/** Every kind of account-level incident the watcher state records (one alert when opened). */
export type IncidentKind = AccessProblem | SystematicProblem;

/** Whether an incident (or a halt reason) is a systematic 404/400 rather than an access problem. */
export function isSystematicProblem(kind: string): kind is SystematicProblem {
  return kind === 'systematic_not_found' || kind === 'systematic_rejected';
}

/** The job is not tracked (never was, or the id is malformed): the HTTP API answers 404. */
export class JobNotTrackedError extends WatcherError {
  override name = 'JobNotTrackedError';
  constructor(readonly jobId: string) {
    super(`Job ${jobId} is not tracked`);
  }
}

/** A submit reused an `Idempotency-Key` with a different request body: 422, nothing created. */
export class IdempotencyConflictError extends WatcherError {
  override name = 'IdempotencyConflictError';
  constructor(readonly idempotencyKey: string) {
    super('This Idempotency-Key was used with a different request body');
  }
}

/** A submit with this `Idempotency-Key` is still being processed by another request: 409. */
export class SubmissionInProgressError extends WatcherError {
  override name = 'SubmissionInProgressError';
  constructor(readonly idempotencyKey: string) {
    super('A submission with this Idempotency-Key is still in progress; retry shortly');
  }
}

/** How creating a bulk job at CompanyEnrich failed (`POST /companies/enrich/bulk`). */
export const JobCreationErrorKind = {
  /** 400 or 422: CompanyEnrich refused the request itself. */
  Rejected: 'rejected',
  Unauthorized: 'unauthorized',
  PaymentRequired: 'payment_required',
  Throttled: 'throttled',
  ApiKeyUnavailable: 'api_key_unavailable',
  /** 5xx, timeout, network, or an answer that is not a created job: the job may or may not exist. */
  Unavailable: 'unavailable',
} as const;

export type JobCreationErrorKind = (typeof JobCreationErrorKind)[keyof typeof JobCreationErrorKind];

/** CompanyEnrich did not create the job (or it cannot be known that it did). Never carries the API key. */
export class JobCreationError extends WatcherError {
  override name = 'JobCreationError';
  constructor(
    readonly kind: JobCreationErrorKind,
    message: string,
    readonly details: {
      httpStatus?: number;
      /** The API's own explanation (problem+json `detail` or `title`), safe to show a caller. */
      apiDetail?: string;
      /** From `Retry-After` on a 429, when usable. */
      retryAfterMs?: number | null;
    } = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
