/**
 * The monthly bill of the default deployment for a number of one-hour jobs, line by line, each
 * line saying where its figures come from; and the two alternatives' bills.
 */
import { ENVIRONMENT } from '../../functions/contract.js';
import type { CostInputs } from './inputs.js';
import type { FunctionFacts } from './template-facts.js';
import { ALTERNATIVES, ASSUMED, MONTH, PRICES, SNS_KMS } from './prices.js';

/** Where a line's figures come from. */
export type Source = 'counted' | 'measured' | 'assumed';

/** One line of the bill. */
export interface CostLine {
  readonly item: string;
  /** The list price it applies. */
  readonly price: string;
  /** What was billed, e.g. "43,200 ticks". */
  readonly quantity: string;
  readonly dollars: number;
  readonly source: Source;
  /** What the source is: the count, the measurement or the assumption. */
  readonly basis: string;
}

const GB = 1024 ** 3;
/** The variables that name a secret a function reads. */
const SECRET_VARIABLES = [ENVIRONMENT.apiKeySecretArn, ENVIRONMENT.webhookSecretArn];
const JOB_HOURS = 1;
const whole = (value: number): string => Math.round(value).toLocaleString('en-US');
const mb = (bytes: number): string => `${(bytes / 1024 ** 2).toFixed(1)} MB`;

/** The bill's shared quantities for `jobs` one-hour jobs. */
function volumes(inputs: CostInputs, jobs: number) {
  const ticks = MONTH.seconds / (inputs.poller.tick.pollIntervalMs / 1000);
  const checks = jobs * inputs.checksPerJob;
  const apiRequests = jobs * ASSUMED.apiRequestsPerJob;
  return { ticks, checks, apiRequests };
}

function computeLines(inputs: CostInputs, jobs: number): CostLine[] {
  const { template } = inputs;
  const { ticks, checks, apiRequests } = volumes(inputs, jobs);
  const pollerGb = template.poller.memoryMb / 1024;
  const pollerSeconds = ticks * ASSUMED.idleTickSeconds + checks * ASSUMED.checkSeconds;
  const apiGbSeconds = template.apiFunctions.reduce(
    (sum, fn) =>
      sum +
      (apiRequests / template.apiFunctions.length) * ASSUMED.apiInvocationSeconds * (fn.memoryMb / 1024),
    0,
  );
  const gbSeconds = pollerSeconds * pollerGb + apiGbSeconds;
  const writes = checks * inputs.writeUnitsPerCheck;
  const reads = ticks * ASSUMED.readUnitsPerTick + checks * ASSUMED.readUnitsPerCheck;
  return [
    scheduleLine(inputs, ticks),
    {
      item: 'Lambda requests',
      price: '$0.20 per million',
      quantity: `${whole(ticks)} ticks + ${whole(apiRequests)} API`,
      dollars: ((ticks + apiRequests) * PRICES.lambdaRequestsPerMillion) / 1e6,
      source: 'counted',
      basis: `one invocation per tick (${inputs.poller.tick.pollIntervalMs / 1000} s schedule); API requests assumed (${ASSUMED.apiRequestsPerJob} per job)`,
    },
    {
      item: 'Lambda compute (arm64)',
      price: '$0.0000133334 per GB-s',
      quantity: `${whole(gbSeconds)} GB-s`,
      dollars: gbSeconds * PRICES.lambdaGbSecond,
      source: 'assumed',
      basis: `memory ${template.poller.memoryMb} MB counted; ${ASSUMED.idleTickSeconds} s per idle tick + ${ASSUMED.checkSeconds} s per check, ${ASSUMED.apiInvocationSeconds} s per API request assumed`,
    },
    {
      item: 'DynamoDB reads',
      price: '$0.125 per million RRU',
      quantity: `${whole(reads)} RRU`,
      dollars: (reads * PRICES.dynamoReadPerMillion) / 1e6,
      source: 'assumed',
      basis: `${ASSUMED.readUnitsPerTick} RRU per tick, ${ASSUMED.readUnitsPerCheck} per check`,
    },
    {
      item: 'DynamoDB writes',
      price: '$0.625 per million WRU',
      quantity: `${whole(checks)} checks × ${inputs.writeUnitsPerCheck} WRU`,
      dollars: (writes * PRICES.dynamoWritePerMillion) / 1e6,
      source: 'counted',
      basis: `${inputs.checksPerJob.toFixed(1)} checks per one-hour job (ETA cadence replay), writeUnitsPerCheck()`,
    },
    storageLine(inputs, jobs),
    ...notificationLines(inputs, jobs),
    ...accountLines(inputs, ticks, apiRequests),
    ...metricLines(inputs, jobs),
    ...logAndTraceLines(inputs, jobs, ticks, checks, apiRequests),
  ];
}

function scheduleLine(inputs: CostInputs, ticks: number): CostLine {
  const scheduler = inputs.template.schedule === 'scheduler';
  return {
    item: scheduler ? 'EventBridge Scheduler' : 'EventBridge rule',
    price: scheduler ? '$1.00 per million invocations' : 'free (scheduled rule)',
    quantity: `${whole(ticks)} ticks`,
    dollars: scheduler ? (ticks * PRICES.schedulerPerMillion) / 1e6 : 0,
    source: 'counted',
    basis: `the template's ${scheduler ? 'AWS::Scheduler::Schedule' : 'AWS::Events::Rule'}`,
  };
}

function storageLine(inputs: CostInputs, jobs: number): CostLine {
  const retentionDays = (inputs.poller.tick.retentionMs ?? 0) / 86_400_000 || ASSUMED.itemRetentionDays;
  const items = jobs * (retentionDays / 30);
  const bytes = items * ASSUMED.storedBytesPerJob;
  const perGb =
    PRICES.dynamoStoragePerGbMonth + (inputs.template.pointInTimeRecovery ? PRICES.dynamoPitrPerGbMonth : 0);
  return {
    item: inputs.template.pointInTimeRecovery ? 'DynamoDB storage + PITR' : 'DynamoDB storage',
    price: inputs.template.pointInTimeRecovery ? '$0.25 + $0.20 per GB-month' : '$0.25 per GB-month',
    quantity: `${whole(items)} items, ${mb(bytes)}`,
    dollars: (bytes / GB) * perGb,
    source: 'assumed',
    basis: `retention ${retentionDays} days and PITR counted; ${ASSUMED.storedBytesPerJob} bytes per job (item and index entries) assumed`,
  };
}

function notificationLines(inputs: CostInputs, jobs: number): CostLine[] {
  const keys = inputs.template.kmsKeys;
  // At most one data key per publish, and per encrypted topic at most one per reuse period.
  const dataKeys = Math.min(
    jobs * ASSUMED.snsPublishesPerJob,
    inputs.template.encryptedTopics * (MONTH.seconds / SNS_KMS.dataKeyReuseSeconds),
  );
  const kmsRequests = dataKeys * SNS_KMS.requestsPerDataKey;
  return [
    {
      item: 'SNS publishes + email',
      price: '$0.50 per million, email $2.00 per 100,000',
      quantity: `${whole(jobs * ASSUMED.snsPublishesPerJob)} publishes, ${whole(jobs * ASSUMED.emailsPerJob)} emails`,
      dollars:
        (jobs * ASSUMED.snsPublishesPerJob * PRICES.snsPublishPerMillion) / 1e6 +
        (jobs * ASSUMED.emailsPerJob * PRICES.snsEmailPer100k) / 1e5,
      source: 'assumed',
      basis: `${ASSUMED.snsPublishesPerJob} publishes and ${ASSUMED.emailsPerJob} email per job (one email subscriber)`,
    },
    {
      item: 'KMS',
      price: '$1.00 per key, $0.03 per 10,000 requests',
      quantity: `${keys} key${keys === 1 ? '' : 's'}, ${whole(kmsRequests)} requests`,
      dollars: keys * PRICES.kmsKeyMonthly + (kmsRequests / 1e4) * PRICES.kmsPer10k,
      source: 'counted',
      basis: `AWS::KMS::Key and encrypted topics (${inputs.template.encryptedTopics}) in the template; 2 requests per SNS data key, one key per publish at most`,
    },
  ];
}

/**
 * Secrets Manager reads: each function reads each secret it names at most once per cache
 * lifetime while warm, and at most once per invocation (an upper bound: every API request cold).
 */
function secretReads(inputs: CostInputs, ticks: number, apiRequests: number): number {
  const { template } = inputs;
  const readsOf = (fn: FunctionFacts, invocations: number): number => {
    // Without a cache lifetime (0 s, or unknown) every invocation reads.
    const cacheSeconds = inputs.keyCacheSeconds[fn.id] ?? 0;
    const perCache = cacheSeconds > 0 ? MONTH.seconds / cacheSeconds : Infinity;
    const named = SECRET_VARIABLES.filter((name) => fn.environment[name] !== undefined).length;
    return named * Math.min(invocations, perCache);
  };
  const perApiFunction = apiRequests / Math.max(template.apiFunctions.length, 1);
  return (
    readsOf(template.poller, ticks) +
    template.apiFunctions.reduce((sum, fn) => sum + readsOf(fn, perApiFunction), 0)
  );
}

function accountLines(inputs: CostInputs, ticks: number, apiRequests: number): CostLine[] {
  const { secrets } = inputs.template;
  const count = secrets.created + secrets.imported;
  const reads = secretReads(inputs, ticks, apiRequests);
  return [
    {
      item: 'Secrets Manager',
      price: '$0.40 per secret, $0.05 per 10,000 calls',
      quantity: `${count} secrets, ${whole(reads)} reads`,
      dollars: count * PRICES.secretMonthly + (reads / 1e4) * PRICES.secretsPer10k,
      source: 'counted',
      basis: `secrets in the template (${secrets.created} created, ${secrets.imported} imported); reads from each function's key cache (${inputs.poller.apiKeyCacheSeconds} s for the poller)`,
    },
    {
      item: 'API Gateway HTTP API',
      price: '$1.00 per million requests',
      quantity: `${whole(inputs.template.httpApis > 0 ? apiRequests : 0)} requests`,
      dollars: inputs.template.httpApis > 0 ? (apiRequests * PRICES.httpApiPerMillion) / 1e6 : 0,
      source: 'assumed',
      basis: `${ASSUMED.apiRequestsPerJob} requests per job (track or submit, reads, one webhook callback)`,
    },
  ];
}

function metricLines(inputs: CostInputs, jobs: number): CostLine[] {
  const { template } = inputs;
  const seriesHours = inputs.metricSeries.map((series) =>
    series.published === 'always'
      ? MONTH.hours
      : series.published === 'checks'
        ? Math.min(MONTH.hours, jobs * JOB_HOURS)
        : ASSUMED.problemHoursPerSeries,
  );
  const seriesMonths = seriesHours.reduce((sum, hours) => sum + hours / MONTH.hours, 0);
  return [
    {
      item: 'CloudWatch custom metrics',
      price: '$0.30 per series-month, by the hour',
      quantity: `${inputs.metricSeries.length} series, ${seriesMonths.toFixed(2)} series-months`,
      dollars: seriesMonths * PRICES.customMetricMonthly,
      source: 'counted',
      basis: `CUSTOM_METRIC_SERIES; 'checks' series ≤ one hour per job, 'problems' ${ASSUMED.problemHoursPerSeries} h each (assumed)`,
    },
    {
      item: 'CloudWatch alarms',
      price: '$0.10 per metric alarmed',
      quantity: `${template.alarms} alarms, ${template.alarmMetrics} metrics`,
      dollars: template.alarmMetrics * PRICES.alarmMetricMonthly,
      source: 'counted',
      basis: 'AWS::CloudWatch::Alarm in the template, a metric-math alarm by the metrics it reads',
    },
    {
      item: 'CloudWatch dashboard',
      price: '$3.00 per dashboard',
      quantity: `${template.dashboards}`,
      dollars: template.dashboards * PRICES.dashboardMonthly,
      source: 'counted',
      basis: 'AWS::CloudWatch::Dashboard in the template',
    },
    {
      item: 'Logs Insights saved queries',
      price: 'free',
      quantity: `${template.queryDefinitions}`,
      dollars: 0,
      source: 'counted',
      basis: 'AWS::Logs::QueryDefinition in the template',
    },
  ];
}

function logAndTraceLines(
  inputs: CostInputs,
  jobs: number,
  ticks: number,
  checks: number,
  apiRequests: number,
): CostLine[] {
  const { template, logBytes } = inputs;
  const logTotal =
    ticks * logBytes.idleTick +
    checks * logBytes.check +
    jobs * logBytes.transitionsPerJob +
    apiRequests * ASSUMED.apiLogBytesPerRequest;
  const traces =
    (template.poller.activeTracing ? ticks : 0) +
    (template.apiFunctions.some((fn) => fn.activeTracing) ? apiRequests : 0);
  return [
    {
      item: 'CloudWatch Logs',
      price: '$0.50 per GB ingested',
      quantity: `${(logTotal / GB).toFixed(2)} GB`,
      dollars: (logTotal / GB) * PRICES.logsPerGb,
      source: 'measured',
      basis: `poll handler: ${whole(logBytes.idleTick)} B per idle tick, ${logBytes.check.toFixed(0)} B per check, ${whole(logBytes.transitionsPerJob)} B per job's transitions; API ${ASSUMED.apiLogBytesPerRequest} B per request assumed`,
    },
    {
      item: 'X-Ray',
      price: '$5.00 per million traces',
      quantity: `${whole(traces)} traces`,
      dollars: (traces * PRICES.xrayPerMillion) / 1e6,
      source: 'counted',
      basis: 'active tracing per function in the template: one trace per invocation',
    },
  ];
}

/** The watcher's monthly bill for `jobs` one-hour jobs. */
export function watcherBill(inputs: CostInputs, jobs: number): CostLine[] {
  return computeLines(inputs, jobs);
}

/** A Step Functions state machine per job, polling every 30 s for the job's hour. */
export function stepFunctionsMonthlyCost(jobs: number): number {
  const polls = (JOB_HOURS * 3_600) / ALTERNATIVES.stepFunctionsPollSeconds;
  const transitions = jobs * polls * ALTERNATIVES.stepFunctionsTransitionsPerPoll;
  return (
    (transitions / 1000) * PRICES.stepFunctionsPer1000Transitions +
    (jobs * polls * PRICES.lambdaRequestsPerMillion) / 1e6
  );
}

/** A cron script on a t4g.nano with an 8 GB gp3 disk: flat, whatever the job count. */
export function cronInstanceMonthlyCost(): number {
  return PRICES.t4gNanoHourly * MONTH.hours + ALTERNATIVES.cronDiskGb * PRICES.gp3PerGbMonth;
}

/** The sum of a bill's lines. */
export function total(lines: readonly CostLine[]): number {
  return lines.reduce((sum, line) => sum + line.dollars, 0);
}
