/**
 * us-east-1 list prices (dollars, free tiers excluded) and the figures the cost model states as
 * assumptions rather than counts: what neither the code nor the template decides.
 */

const MONTH_HOURS = 30 * 24;

/** A 30-day month, the unit of every bill here. */
export const MONTH = { hours: MONTH_HOURS, seconds: MONTH_HOURS * 3_600 } as const;

/** us-east-1 list prices in dollars. */
export const PRICES = {
  schedulerPerMillion: 1.0,
  lambdaRequestsPerMillion: 0.2,
  /** arm64 (the stack's architecture). */
  lambdaGbSecond: 0.0000133334,
  dynamoReadPerMillion: 0.125,
  dynamoWritePerMillion: 0.625,
  dynamoStoragePerGbMonth: 0.25,
  dynamoPitrPerGbMonth: 0.2,
  snsPublishPerMillion: 0.5,
  snsEmailPer100k: 2.0,
  kmsKeyMonthly: 1.0,
  kmsPer10k: 0.03,
  secretMonthly: 0.4,
  secretsPer10k: 0.05,
  /** Per series-month, prorated by the hour it is published in. */
  customMetricMonthly: 0.3,
  /** Per metric an alarm reads (a metric-math alarm pays for each metric it reads). */
  alarmMetricMonthly: 0.1,
  dashboardMonthly: 3.0,
  logsPerGb: 0.5,
  xrayPerMillion: 5.0,
  httpApiPerMillion: 1.0,
  stepFunctionsPer1000Transitions: 0.025,
  t4gNanoHourly: 0.0042,
  gp3PerGbMonth: 0.08,
} as const;

/**
 * What the model assumes (no code or template decides it). Each is named in the report next to
 * the line it moves.
 */
export const ASSUMED = {
  /** Billed duration of a tick that finds nothing due (warm container). */
  idleTickSeconds: 0.2,
  /** What each check adds to a tick's billed duration (one status request, one write). */
  checkSeconds: 0.05,
  /** Read units of a tick's due-index query and watcher-state read. */
  readUnitsPerTick: 2,
  /** Read units of a check beyond the due query (eventually consistent reads of the page). */
  readUnitsPerCheck: 0.5,
  /** Event notifications published per job: started, finished, and one spare (e.g. a retry). */
  snsPublishesPerJob: 3,
  /** One email subscriber, told once per job (its final status). */
  emailsPerJob: 1,
  /** HTTP API requests per job: track or submit, a couple of reads, one webhook callback. */
  apiRequestsPerJob: 5,
  /** Billed duration of an API or webhook invocation. */
  apiInvocationSeconds: 0.2,
  /** Bytes an HTTP API request leaves in the access log and its function's log. */
  apiLogBytesPerRequest: 1_024,
  /** Hours a month each `problems` metric series is published: a day of incidents. */
  problemHoursPerSeries: 24,
  /** How long a job's item stays when retention is off (the table's default is counted instead). */
  itemRetentionDays: 90,
  /** Bytes a job occupies: its item (about 0.8 KB) and its index entries. */
  storedBytesPerJob: 2_048,
} as const;

/**
 * SNS on an encrypted topic (customer key or alias/aws/sns: requests are billed either way) asks
 * KMS twice per data key and reuses a data key for up to 5 minutes per topic and publisher
 * (the SNS developer guide's formula, R = B / D * 2P).
 */
export const SNS_KMS = { requestsPerDataKey: 2, dataKeyReuseSeconds: 300 } as const;

/** The two alternatives a user would pick instead of the watcher. */
export const ALTERNATIVES = {
  stepFunctionsPollSeconds: 30,
  /** Wait, invoke, choice, and the task's own transition. */
  stepFunctionsTransitionsPerPoll: 4,
  cronDiskGb: 8,
} as const;
