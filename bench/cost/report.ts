/**
 * The cost model's Markdown: the bench report's section (both job counts, the watcher next to the
 * alternatives, each line's source) and docs/DEPLOY.md's table.
 */
import {
  cronInstanceMonthlyCost,
  stepFunctionsMonthlyCost,
  total,
  watcherBill,
  type CostLine,
} from './bill.js';
import { ONE_HOUR_JOBS } from './checks-per-job.js';
import type { CostInputs } from './inputs.js';
import { ASSUMED } from './prices.js';

/** The job counts every table shows. */
export const JOB_COUNTS = [100, 10_000] as const;

/** Dollars as the tables show them, to the cent. */
export const usd = (dollars: number): string => `$${dollars.toFixed(2)}`;

function bills(inputs: CostInputs): [CostLine[], CostLine[]] {
  return [watcherBill(inputs, JOB_COUNTS[0]), watcherBill(inputs, JOB_COUNTS[1])];
}

const count = (value: number): string => Math.round(value).toLocaleString('en-US');
const plural = (value: number, noun: string): string => `${value} ${noun}${value === 1 ? '' : 's'}`;

/** What was counted, measured and assumed, one paragraph each. */
export function inputsParagraph(inputs: CostInputs): string {
  const { template, logBytes } = inputs;
  const secrets = template.secrets.created + template.secrets.imported;
  const schedule = template.schedule === 'scheduler' ? 'EventBridge Scheduler' : 'an EventBridge rule';
  return [
    `Counted: ${inputs.checksPerJob.toFixed(2)} checks per one-hour job (${count(ONE_HOUR_JOBS.jobs)} jobs of the polling mix, seed ${ONE_HOUR_JOBS.seed},`,
    `each stretched to one hour, replayed through strategy (c)); ${inputs.writeUnitsPerCheck} write units per check (\`writeUnitsPerCheck()\`);`,
    `from the synthesized default stack: ${plural(template.alarms, 'alarm')} reading ${plural(template.alarmMetrics, 'metric')},`,
    `${plural(template.kmsKeys, 'KMS key')}, ${plural(template.encryptedTopics, 'encrypted topic')}, ${plural(secrets, 'secret')}, ${plural(template.dashboards, 'dashboard')},`,
    `${plural(template.queryDefinitions, 'saved Logs Insights query').replace(/querys$/, 'queries')}, the schedule on ${schedule},`,
    `a ${template.poller.memoryMb} MB poll function${template.poller.activeTracing ? ' with active tracing' : ''}, a ${inputs.poller.apiKeyCacheSeconds} s key cache;`,
    `${plural(inputs.metricSeries.length, 'custom metric series').replace(/seriess$/, 'series')} (\`CUSTOM_METRIC_SERIES\`).`,
    '',
    `Measured on the poll handler (dynalite and the simulator): ${count(logBytes.idleTick)} log bytes per idle tick`,
    `(Lambda's START / END / REPORT lines included), ${logBytes.check.toFixed(1)} per unchanged check,`,
    `${count(logBytes.transitionsPerJob)} per job for its two transitions and notifications.`,
    '',
    `Assumed: ${ASSUMED.idleTickSeconds} s billed per idle tick and ${ASSUMED.checkSeconds} s per check;`,
    `${ASSUMED.readUnitsPerTick} read units per tick and ${ASSUMED.readUnitsPerCheck} per check; ${ASSUMED.apiRequestsPerJob} HTTP API requests per job`,
    `(${ASSUMED.apiInvocationSeconds} s and ${count(ASSUMED.apiLogBytesPerRequest)} log bytes each); ${ASSUMED.snsPublishesPerJob} SNS publishes per job and one email`,
    `subscriber told once; ${count(ASSUMED.storedBytesPerJob)} bytes stored`,
    `per job; ${ASSUMED.problemHoursPerSeries} incident hours a month for each \`problems\` metric series.`,
  ].join('\n');
}

/** The bench report's cost section: one table, both job counts, the alternatives below the watcher. */
export function benchmarksMarkdown(inputs: CostInputs): string {
  const [small, large] = bills(inputs);
  const rows = small.map(
    (line, index) =>
      `| ${line.item} | ${usd(line.dollars)} | ${usd(large[index]?.dollars ?? 0)} | ${line.source}: ${line.basis} |`,
  );
  return [
    inputsParagraph(inputs),
    '',
    `| Line | ${JOB_COUNTS[0].toLocaleString('en-US')} jobs | ${JOB_COUNTS[1].toLocaleString('en-US')} jobs | Source |`,
    '| --- | ---: | ---: | --- |',
    ...rows,
    `| **Watcher total** | **${usd(total(small))}** | **${usd(total(large))}** | |`,
    `| Step Functions per-job poller (30 s wait) | ${usd(stepFunctionsMonthlyCost(JOB_COUNTS[0]))} | ${usd(stepFunctionsMonthlyCost(JOB_COUNTS[1]))} | 120 polls × 4 transitions per job |`,
    `| Cron on a t4g.nano + 8 GB gp3 | ${usd(cronInstanceMonthlyCost())} | ${usd(cronInstanceMonthlyCost())} | flat |`,
  ].join('\n');
}

/**
 * docs/DEPLOY.md's generated part: what was counted, measured and assumed, then the table (price,
 * quantity and dollars per job count, and each line's source).
 */
export function deploySection(inputs: CostInputs): string {
  const [small, large] = bills(inputs);
  const rows = small.map((line, index) => {
    const big = large[index] as CostLine;
    return `| ${line.item} | ${line.price} | ${line.quantity} → ${usd(line.dollars)} | ${big.quantity} → ${usd(big.dollars)} | ${line.source} |`;
  });
  return [
    inputsParagraph(inputs),
    '',
    '| Item | Price | 100 jobs / month | 10,000 jobs / month | Source |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    `| **Total** | | **${usd(total(small))}** | **${usd(total(large))}** | |`,
    `| Step Functions poller, for comparison | $0.025 per 1,000 transitions | ${usd(stepFunctionsMonthlyCost(JOB_COUNTS[0]))} | ${usd(stepFunctionsMonthlyCost(JOB_COUNTS[1]))} | assumed: 30 s wait, 4 transitions a poll |`,
    `| Cron instance, for comparison | t4g.nano + 8 GB gp3 | ${usd(cronInstanceMonthlyCost())} | ${usd(cronInstanceMonthlyCost())} | list price |`,
  ].join('\n');
}
