/**
 * What the deployed functions and the stack that deploys them must agree on: the table's shape,
 * the environment variable names, the custom metric series, and the domain values
 * that appear in filter policies and alarms.
 *
 * SDK-free and CDK-free on purpose: `infra/` imports nothing else from `functions/` (a lint rule
 * keeps it so), and the functions import their half from here, so a rename is one edit that both
 * sides see.
 */
import { StatusApiErrorKind, type IncidentKind } from './core/domain/errors.js';

export {
  isAccessProblem,
  StatusApiErrorKind,
  type AccessProblem,
  type IncidentKind,
  type SystematicProblem,
} from './core/domain/errors.js';
export { HALT_REASONS, type HaltReason } from './core/domain/halt-reason.js';
export { JOB_ID_PATTERN } from './core/domain/job-id.js';
export { isTerminal, JobStatus } from './core/domain/job-status.js';
export {
  ALERT_CHANNELS,
  JOB_CHANNELS,
  NotificationChannel,
  type JobChannel,
} from './core/domain/notification-channel.js';
export { EventType } from './core/domain/notification.js';

/** The jobs table's keys and index: the CDK stack, the local run and the tests build it from these. */
export const JOBS_TABLE = {
  partitionKey: 'pk',
  /**
   * Sparse index of the jobs still being watched: only they carry `watch_queue`. Its keys are
   * stable (the queue and the job's own key), so a routine check, which moves `next_check_at`,
   * updates the entry in place (1 write unit) instead of deleting and re-adding it (2). Narrow on
   * purpose: keys plus `next_check_at`, which the reader filters and orders on, then reads the
   * due items themselves with BatchGetItem.
   */
  dueIndex: {
    name: 'by-watch-queue',
    partitionKey: 'watch_queue',
    sortKey: 'pk',
    /** INCLUDE projection: the one attribute the due filter needs. */
    nonKeyAttributes: ['next_check_at'],
  },
  timeToLiveAttribute: 'expires_at',
  /**
   * Every tracked job, newest first (`GET /jobs`): only job items carry `entity = "job"` with a
   * `tracked_at`. Keys-only or a narrow projection, so a check (which changes neither key) never
   * writes to it.
   */
  listIndex: {
    name: 'by-tracked-at',
    partitionKey: 'entity',
    sortKey: 'tracked_at',
    /** INCLUDE projection (the table and index keys come anyway): what a `GET /jobs` row shows. */
    nonKeyAttributes: ['job_id', 'label', 'status', 'untracked_at'],
  },
  /** The tracked jobs of one status, newest first (`GET /jobs?status=`). */
  statusIndex: {
    name: 'by-status',
    partitionKey: 'status',
    sortKey: 'tracked_at',
    /** INCLUDE projection; `status` is this index's key, so it is not listed (DynamoDB refuses that). */
    nonKeyAttributes: ['job_id', 'label', 'untracked_at'],
  },
} as const;

/**
 * The HTTP API's routes (API Gateway HTTP API route keys). The job routes need AWS IAM (SigV4)
 * authorisation; the webhook route is public and authenticates by its token.
 */
export const API_ROUTES = {
  trackJob: 'POST /jobs',
  submitJob: 'POST /jobs/bulk',
  listJobs: 'GET /jobs',
  getJob: 'GET /jobs/{jobId}',
  untrackJob: 'DELETE /jobs/{jobId}',
  webhook: 'POST /hooks/companyenrich/{submissionId}/{token}',
} as const;

export type ApiRouteKey = (typeof API_ROUTES)[keyof typeof API_ROUTES];

/** The environment variables the functions read (validated in `functions/core/config.ts`). */
export const ENVIRONMENT = {
  jobsTableName: 'JOBS_TABLE_NAME',
  jobRetentionDays: 'JOB_RETENTION_DAYS',
  eventsTopicArn: 'EVENTS_TOPIC_ARN',
  emailTopicArn: 'EMAIL_TOPIC_ARN',
  smsTopicArn: 'SMS_TOPIC_ARN',
  /** The operator topic (CloudWatch alarms publish there too): account-level alerts of the watcher. */
  operatorTopicArn: 'OPERATOR_TOPIC_ARN',
  apiKeySecretArn: 'COMPANYENRICH_API_KEY_SECRET_ARN',
  apiKey: 'COMPANYENRICH_API_KEY',
  apiUrl: 'COMPANYENRICH_API_URL',
  apiKeyCacheSeconds: 'API_KEY_CACHE_SECONDS',
  pollIntervalSeconds: 'POLL_INTERVAL_SECONDS',
  checkConcurrency: 'CHECK_CONCURRENCY',
  /** Cap on status requests per second to CompanyEnrich (token bucket); 0: no cap. */
  statusRateLimit: 'STATUS_RATE_LIMIT',
  duePageSize: 'DUE_PAGE_SIZE',
  apiTimeoutMs: 'API_TIMEOUT_MS',
  notFoundLimit: 'NOT_FOUND_LIMIT',
  maxBackoffSeconds: 'MAX_BACKOFF_SECONDS',
  /** Secrets Manager secret whose value keys the webhook tokens (HMAC-SHA256). */
  webhookSecretArn: 'WEBHOOK_SECRET_ARN',
  /** The public base URL the webhook route is served under (the HTTP API's endpoint). */
  webhookBaseUrl: 'WEBHOOK_BASE_URL',
} as const;

export type EnvironmentVariable = (typeof ENVIRONMENT)[keyof typeof ENVIRONMENT];

/**
 * The custom metrics of the poll function (EMF through Powertools Metrics): only what an alarm
 * reads, each a single series with the `service` dimension (see {@link CUSTOM_METRIC_SERIES}).
 */
export const TickMetric = {
  /** Status requests sent by the tick: the degraded-API alarm's denominator. */
  JobsChecked: 'JobsChecked',
  /** API errors of the {@link ACCESS_ERROR_KINDS}, summed: the API access alarm. */
  ApiAccessErrors: 'ApiAccessErrors',
  /** API errors of the {@link DEGRADED_API_ERROR_KINDS}, summed: the degraded-API alarm's numerator. */
  ApiDegradedErrors: 'ApiDegradedErrors',
  /** 1 for a tick halted because CompanyEnrich throttles the watcher (halt reason `throttled`). */
  ThrottledHalts: 'ThrottledHalts',
  /** Notifications or operator alerts SNS did not accept in the tick. */
  PublishFailures: 'PublishFailures',
  /**
   * Seconds: the age, at the tick, of the oldest notification or operator alert the tick found
   * still owed; the owed-notification alarm reads its maximum.
   */
  OldestOwedNotificationSeconds: 'OldestOwedNotificationSeconds',
} as const;

export type TickMetricName = (typeof TickMetric)[keyof typeof TickMetric];

/** Powertools' `service` dimension: Metrics adds it to every metric. */
export const SERVICE_DIMENSION = 'service';

/**
 * Every custom metric series the functions publish (all from the poll function, in the stack's
 * namespace): only what an alarm reads. CloudWatch bills a series for the hours it is published
 * in, so a `problems` series costs nothing in a healthy month; the rest of what a tick did is in
 * its summary log line ("Poll tick finished") and the stack's saved Logs Insights queries.
 */
export const CUSTOM_METRIC_SERIES: readonly {
  readonly name: string;
  readonly dimensions: readonly string[];
  /** `checks`: on every tick that checked a job; `problems`: only in a tick where it is non-zero; `always`: every invocation. */
  readonly published: 'always' | 'checks' | 'problems';
}[] = [
  { name: TickMetric.JobsChecked, dimensions: [SERVICE_DIMENSION], published: 'checks' },
  { name: TickMetric.ApiAccessErrors, dimensions: [SERVICE_DIMENSION], published: 'problems' },
  { name: TickMetric.ApiDegradedErrors, dimensions: [SERVICE_DIMENSION], published: 'problems' },
  { name: TickMetric.ThrottledHalts, dimensions: [SERVICE_DIMENSION], published: 'problems' },
  { name: TickMetric.PublishFailures, dimensions: [SERVICE_DIMENSION], published: 'problems' },
  { name: TickMetric.OldestOwedNotificationSeconds, dimensions: [SERVICE_DIMENSION], published: 'problems' },
];

/**
 * The kinds that mean "the account or its key is the problem": the poll function publishes their
 * sum as `ApiAccessErrors`, which the API access alarm reads.
 */
export const ACCESS_ERROR_KINDS = [
  StatusApiErrorKind.Unauthorized,
  StatusApiErrorKind.PaymentRequired,
  StatusApiErrorKind.Forbidden,
  StatusApiErrorKind.ApiKeyUnavailable,
] as const satisfies readonly StatusApiErrorKind[];

/**
 * The kinds that mean "CompanyEnrich answered badly or not at all" (not the account, not the
 * job): the poll function publishes their sum as `ApiDegradedErrors`, which the degraded-API
 * alarm weighs against the checks made.
 */
export const DEGRADED_API_ERROR_KINDS = [
  StatusApiErrorKind.ServerError,
  StatusApiErrorKind.UnexpectedHttpStatus,
  StatusApiErrorKind.Timeout,
  StatusApiErrorKind.Network,
  StatusApiErrorKind.Malformed,
  StatusApiErrorKind.Mismatched,
] as const satisfies readonly StatusApiErrorKind[];

/** Every kind of account-level incident the watcher state can hold. */
export const INCIDENT_KINDS = [
  ...ACCESS_ERROR_KINDS,
  'systematic_not_found',
  'systematic_rejected',
] as const satisfies readonly IncidentKind[];
