/**
 * The monthly bill of the default deployment next to the two alternatives a user would pick
 * instead (a Step Functions per-job poller, a cron script on the smallest instance), for 100 and
 * 10,000 one-hour jobs. us-east-1 list prices, free tiers excluded, SMS aside.
 *
 * The figures are counted from the code, not typed in: checks per job from the ETA cadence
 * replay, write units per check from `writeUnitsPerCheck()`, alarms, keys, secrets, dashboards,
 * memory, tracing and the schedule from the synthesized template, custom metric series from
 * `CUSTOM_METRIC_SERIES`, the key cache from the poll function's configuration, log bytes
 * measured on the real poll handler (bench/cost/). What nothing decides is in `ASSUMED`
 * (bench/cost/prices.ts) and named next to the line it moves.
 */
import { encodeJobItem } from '../functions/core/adapters/dynamodb/job-item.js';
import { JobStatus } from '../functions/core/domain/job-status.js';
import type { TrackedJob } from '../functions/core/domain/job.js';
import { total, watcherBill } from './cost/bill.js';
import { gatherCostInputs, type CostInputs } from './cost/inputs.js';
import { benchmarksMarkdown, deploySection, usd } from './cost/report.js';
import type { BenchSection } from './section.js';

const KB = 1024;

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

/**
 * Write units of one check that is not a transition: the table item (rounded up to 1 KB), plus
 * the due index (projection ALL, and its sort key `next_check_at` changes on every check, so
 * DynamoDB deletes the old entry and puts the new one). The list and status indexes are not
 * written: neither their keys nor their projected attributes change on a plain check.
 */
export function writeUnitsPerCheck(job: TrackedJob = typicalCheckedJob()): {
  itemBytes: number;
  table: number;
  dueIndex: number;
  total: number;
} {
  const bytes = itemBytes(encodeJobItem(job));
  const table = Math.ceil(bytes / KB);
  const dueIndex = 2 * Math.ceil(bytes / KB);
  return { itemBytes: bytes, table, dueIndex, total: table + dueIndex };
}

/** The model's inputs for the code as it is (synthesis, replay, one measured run: seconds). */
export function costModelInputs(): Promise<CostInputs> {
  return gatherCostInputs(writeUnitsPerCheck().total);
}

/** docs/DEPLOY.md's generated cost section (figures and table) for the code as it is. */
export async function deployCostSection(inputs?: CostInputs): Promise<string> {
  return deploySection(inputs ?? (await costModelInputs()));
}

/** The cost-model section of `npm run bench`. */
export async function costModelSection(given?: CostInputs): Promise<BenchSection> {
  const inputs = given ?? (await costModelInputs());
  const small = total(watcherBill(inputs, 100));
  const large = total(watcherBill(inputs, 10_000));
  const units = inputs.writeUnitsPerCheck;
  return {
    title: 'Monthly cost model',
    markdown: benchmarksMarkdown(inputs),
    goals: [
      { goal: '≤ 2 DynamoDB write units per check', measured: String(units), met: units <= 2 },
      { goal: '≤ $3 / month at 100 jobs', measured: usd(small), met: small <= 3 },
      { goal: '≤ $5 / month at 10,000 jobs', measured: usd(large), met: large <= 5 },
    ],
  };
}
