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

export const usd = (dollars: number): string => `$${dollars.toFixed(2)}`;

function bills(inputs: CostInputs): [CostLine[], CostLine[]] {
  return [watcherBill(inputs, JOB_COUNTS[0]), watcherBill(inputs, JOB_COUNTS[1])];
}

/** What the counts and measurements were, in one paragraph. */
export function inputsParagraph(inputs: CostInputs): string {
  const { template, logBytes } = inputs;
  return [
    `Checks per one-hour job: ${inputs.checksPerJob.toFixed(2)} (${ONE_HOUR_JOBS.jobs.toLocaleString('en-US')} jobs of the polling mix, seed ${ONE_HOUR_JOBS.seed},`,
    `each stretched to one hour, replayed through strategy (c)); write units per check: ${inputs.writeUnitsPerCheck} (\`writeUnitsPerCheck()\`).`,
    `From the synthesized default template: ${template.alarms} alarms reading ${template.alarmMetrics} metrics, ${template.kmsKeys} KMS key(s),`,
    `${template.secrets.created + template.secrets.imported} secret(s), ${template.dashboards} dashboard(s), ${template.queryDefinitions} saved Logs Insights queries, schedule: ${template.schedule === 'scheduler' ? 'EventBridge Scheduler' : 'EventBridge rule'},`,
    `poll function ${template.poller.memoryMb} MB${template.poller.activeTracing ? ' with active tracing' : ''}; ${inputs.metricSeries.length} custom metric series (\`CUSTOM_METRIC_SERIES\`).`,
    `Measured on the poll handler (dynalite + simulator): ${Math.round(logBytes.idleTick)} log bytes per idle tick (Lambda's platform lines included),`,
    `${logBytes.check.toFixed(1)} per check, ${Math.round(logBytes.transitionsPerJob)} per job's two transitions.`,
    `Assumed: ${ASSUMED.idleTickSeconds} s per idle tick and ${ASSUMED.checkSeconds} s per check, ${ASSUMED.apiRequestsPerJob} API requests per job, one email subscriber,`,
    `${ASSUMED.problemHoursPerSeries} incident hours a month per 'problems' metric series.`,
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

/** docs/DEPLOY.md's table: price, quantity and dollars per job count, and the source. */
export function deployTable(inputs: CostInputs): string {
  const [small, large] = bills(inputs);
  const rows = small.map((line, index) => {
    const big = large[index] as CostLine;
    return `| ${line.item} | ${line.price} | ${line.quantity} → ${usd(line.dollars)} | ${big.quantity} → ${usd(big.dollars)} | ${line.source} |`;
  });
  return [
    '| Item | Price | 100 jobs / month | 10,000 jobs / month | Source |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    `| **Total** | | **${usd(total(small))}** | **${usd(total(large))}** | |`,
    `| Step Functions poller, for comparison | $0.025 per 1,000 transitions | ${usd(stepFunctionsMonthlyCost(JOB_COUNTS[0]))} | ${usd(stepFunctionsMonthlyCost(JOB_COUNTS[1]))} | counted |`,
    `| Cron instance, for comparison | t4g.nano + 8 GB gp3 | ${usd(cronInstanceMonthlyCost())} | ${usd(cronInstanceMonthlyCost())} | list price |`,
  ].join('\n');
}
