/**
 * The monthly bill of the default deployment next to the two alternatives a user would pick
 * instead (a Step Functions per-job poller, a cron script on the smallest instance), for 100 and
 * 10,000 one-hour jobs. us-east-1 list prices, free tiers excluded, SMS aside.
 *
 * Figures come from the code where the code decides them: the checks per job replay the
 * cadence (`healthyCheckDelayMs`), the write units per check come from the size of a typical
 * job item (`encodeJobItem`) and the due index's projection. test/unit/cost-model.test.ts checks
 * the item-size rule against dynalite's ReturnConsumedCapacity (table units; dynalite does not
 * report index units, so those are derived from the projection).
 */
import { healthyCheckDelayMs } from '../functions/core/domain/cadence.js';
import { JobStatus } from '../functions/core/domain/job-status.js';
import type { TrackedJob } from '../functions/core/domain/job.js';
import type { BenchSection } from './section.js';
import { writeUnitsPerCheck } from './write-units.js';

export { writeUnitsPerCheck } from './write-units.js';

const MINUTE_MS = 60_000;
const TICKS_PER_MONTH = 30 * 24 * 60;
const JOB_DURATION_MS = 60 * MINUTE_MS;
const KB = 1024;

/** us-east-1 list prices in dollars. */
export const PRICES = {
  schedulerPerMillion: 1.0,
  lambdaRequestsPerMillion: 0.2,
  lambdaGbSecond: 0.0000133334,
  dynamoReadPerMillion: 0.125,
  dynamoWritePerMillion: 0.625,
  snsPublishPerMillion: 0.5,
  snsEmailPer100k: 2.0,
  kmsKeyMonthly: 1.0,
  kmsPer10k: 0.03,
  secretMonthly: 0.4,
  secretsPer10k: 0.05,
  customMetricMonthly: 0.3,
  alarmMetricMonthly: 0.1,
  dashboardMonthly: 3.0,
  logsPerGb: 0.5,
  xrayPerMillion: 5.0,
  stepFunctionsPer1000Transitions: 0.025,
  t4gNanoHourly: 0.0042,
  gp3PerGbMonth: 0.08,
} as const;

/** Deployment facts the model takes from docs/DEPLOY.md and the stack (not yet counted from the template). */
export const DEPLOYMENT = {
  idleTickSeconds: 0.2,
  checkSeconds: 0.05,
  memoryGb: 0.25,
  readUnitsPerTick: 2,
  readUnitsPerCheck: 0.5,
  snsPublishesPerJob: 3,
  emailsPerJob: 1,
  secrets: 2,
  customMetricSeries: 26,
  alarmedMetrics: 21,
  dashboards: 1,
  logBytesPerTick: 5.5 * KB,
  stepFunctionsPollSeconds: 30,
  stepFunctionsTransitionsPerPoll: 4,
  cronDiskGb: 8,
} as const;

/** The checks an hour-long job gets from the default cadence (one-minute schedule). */
export function checksPerJob(durationMs = JOB_DURATION_MS): number {
  const policy = { pollIntervalMs: MINUTE_MS, maxBackoffMs: 30 * MINUTE_MS };
  let checks = 0;
  for (let age = 0; age < durationMs; age += healthyCheckDelayMs(JobStatus.Processing, age, policy)) {
    checks += 1;
  }
  return checks + 1; // the check that sees the end
}

/**
 * DynamoDB's item size rule: attribute names plus values (strings in UTF-8, numbers about one
 * byte per two digits plus one, 1 byte for booleans and null, 3 bytes plus 1 per element for
 * lists and maps).
 */
export function dynamoItemBytes(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number')
    return Math.ceil(String(Math.abs(value)).replace(/[.-]/g, '').length / 2) + 1;
  if (Array.isArray(value))
    return 3 + value.reduce<number>((sum, item) => sum + 1 + dynamoItemBytes(item), 0);
  const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
  return (
    3 + entries.reduce((sum, [name, item]) => sum + 1 + Buffer.byteLength(name) + dynamoItemBytes(item), 0)
  );
}

/** The top-level item's size: no map overhead for the item itself. */
export function itemBytes(item: Record<string, unknown>): number {
  return Object.entries(item)
    .filter(([, value]) => value !== undefined)
    .reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + dynamoItemBytes(value), 0);
}

/** A job half-way through an hour: one transition in its history, a snapshot, a label and a tag. */
export function typicalCheckedJob(): TrackedJob {
  const at = '2026-11-29T10:00:00.000Z';
  const counts = { total_domains: 10_000, success_count: 4_000, failed_count: 12, credits_charged: 4_012 };
  return {
    jobId: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
    status: JobStatus.Processing,
    label: 'Q4 leads',
    metadata: { team: 'growth' },
    trackedAt: at,
    lastCheckedAt: '2026-11-29T10:30:00.000Z',
    nextCheckAt: '2026-11-29T10:32:00.000Z',
    consecutiveErrors: 0,
    consecutiveNotFound: 0,
    lastError: null,
    snapshot: {
      job_id: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
      status: 'processing',
      ...counts,
      created_at: '2026-11-29T09:58:00.000Z',
      started_at: '2026-11-29T09:59:00.000Z',
      completed_at: null,
      results_url: null,
      error_message: null,
    },
    history: [{ from: 'pending', to: 'processing', at, counts }],
    historyTrimmed: 0,
    notificationOwed: null,
    lastNotification: null,
    anomalyCount: 0,
    anomalies: [],
    untrackedAt: null,
    webhook: false,
    version: 7,
  };
}

/** One line of the bill. */
export interface CostLine {
  readonly item: string;
  readonly dollars: number;
}

/** The watcher's monthly bill for `jobs` hour-long jobs. */
export function watcherMonthlyCost(jobs: number): CostLine[] {
  const checks = jobs * checksPerJob();
  const wru = writeUnitsPerCheck().total;
  const gbSeconds =
    (TICKS_PER_MONTH * DEPLOYMENT.idleTickSeconds + checks * DEPLOYMENT.checkSeconds) * DEPLOYMENT.memoryGb;
  const itemKb = writeUnitsPerCheck().itemBytes / KB;
  return [
    { item: 'Scheduler', dollars: (TICKS_PER_MONTH * PRICES.schedulerPerMillion) / 1e6 },
    { item: 'Lambda requests', dollars: (TICKS_PER_MONTH * PRICES.lambdaRequestsPerMillion) / 1e6 },
    { item: 'Lambda compute', dollars: gbSeconds * PRICES.lambdaGbSecond },
    {
      item: 'DynamoDB reads',
      dollars:
        ((TICKS_PER_MONTH * DEPLOYMENT.readUnitsPerTick + checks * DEPLOYMENT.readUnitsPerCheck) *
          PRICES.dynamoReadPerMillion) /
        1e6,
    },
    { item: 'DynamoDB writes', dollars: (checks * wru * PRICES.dynamoWritePerMillion) / 1e6 },
    { item: 'DynamoDB storage + PITR', dollars: ((jobs * 3 * itemKb) / (KB * KB)) * 0.45 },
    {
      item: 'SNS',
      dollars:
        (jobs * DEPLOYMENT.snsPublishesPerJob * PRICES.snsPublishPerMillion) / 1e6 +
        (jobs * DEPLOYMENT.emailsPerJob * PRICES.snsEmailPer100k) / 1e5,
    },
    { item: 'KMS', dollars: PRICES.kmsKeyMonthly + ((jobs * 6) / 1e4) * PRICES.kmsPer10k },
    {
      item: 'Secrets Manager',
      dollars: DEPLOYMENT.secrets * PRICES.secretMonthly + ((8_640 + jobs) / 1e4) * PRICES.secretsPer10k,
    },
    { item: 'Custom metrics', dollars: DEPLOYMENT.customMetricSeries * PRICES.customMetricMonthly },
    { item: 'Alarms', dollars: DEPLOYMENT.alarmedMetrics * PRICES.alarmMetricMonthly },
    { item: 'Dashboard', dollars: DEPLOYMENT.dashboards * PRICES.dashboardMonthly },
    { item: 'Logs', dollars: ((TICKS_PER_MONTH * DEPLOYMENT.logBytesPerTick) / KB ** 3) * PRICES.logsPerGb },
    { item: 'X-Ray', dollars: (TICKS_PER_MONTH * PRICES.xrayPerMillion) / 1e6 },
  ];
}

/** A Step Functions state machine per job, waiting 30 s between polls. */
export function stepFunctionsMonthlyCost(jobs: number): number {
  const polls = JOB_DURATION_MS / 1000 / DEPLOYMENT.stepFunctionsPollSeconds;
  const transitions = jobs * polls * DEPLOYMENT.stepFunctionsTransitionsPerPoll;
  const lambdaRequests = jobs * polls;
  return (
    (transitions / 1000) * PRICES.stepFunctionsPer1000Transitions +
    (lambdaRequests * PRICES.lambdaRequestsPerMillion) / 1e6
  );
}

/** A cron script on a t4g.nano with an 8 GB gp3 disk: flat, whatever the job count. */
export function cronInstanceMonthlyCost(): number {
  return PRICES.t4gNanoHourly * 24 * 30 + DEPLOYMENT.cronDiskGb * PRICES.gp3PerGbMonth;
}

function total(lines: readonly CostLine[]): number {
  return lines.reduce((sum, line) => sum + line.dollars, 0);
}

const usd = (dollars: number): string => `$${dollars.toFixed(2)}`;

/** The cost-model section of `npm run bench`. */
export function costModelSection(): BenchSection {
  const units = writeUnitsPerCheck();
  const small = watcherMonthlyCost(100);
  const large = watcherMonthlyCost(10_000);
  const rows = small.map(
    (line, index) => `| ${line.item} | ${usd(line.dollars)} | ${usd(large[index]?.dollars ?? 0)} |`,
  );
  const markdown = [
    `Checks per one-hour job (default cadence): ${checksPerJob()}. Typical job item: ${units.itemBytes} bytes;`,
    `write units per check: ${units.table} (table, the figure dynalite's ReturnConsumedCapacity reports) + ` +
      Object.entries(units.indexes)
        .map(([name, count]) => `${count} (${name})`)
        .join(' + '),
    `(indexes: derived from the items before and after a check, bench/write-units.ts) = ${units.total}.`,
    '',
    '| Item | 100 jobs | 10,000 jobs |',
    '| --- | --- | --- |',
    ...rows,
    `| **Watcher total** | **${usd(total(small))}** | **${usd(total(large))}** |`,
    `| Step Functions per-job poller (30 s) | ${usd(stepFunctionsMonthlyCost(100))} | ${usd(stepFunctionsMonthlyCost(10_000))} |`,
    `| Cron on t4g.nano + 8 GB gp3 | ${usd(cronInstanceMonthlyCost())} | ${usd(cronInstanceMonthlyCost())} |`,
  ].join('\n');
  return {
    title: 'Monthly cost model',
    markdown,
    goals: [
      { goal: '≤ 2 DynamoDB write units per check', measured: String(units.total), met: units.total <= 2 },
      { goal: '≤ $3 / month at 100 jobs', measured: usd(total(small)), met: total(small) <= 3 },
      { goal: '≤ $5 / month at 10,000 jobs', measured: usd(total(large)), met: total(large) <= 5 },
    ],
  };
}
