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
import { total, watcherBill } from './cost/bill.js';
import { gatherCostInputs, type CostInputs } from './cost/inputs.js';
import { benchmarksMarkdown, deploySection, usd } from './cost/report.js';
import type { BenchSection } from './section.js';
import { writeUnitsPerCheck } from './write-units.js';

export { writeUnitsPerCheck } from './write-units.js';

export { dynamoItemBytes, itemBytes, typicalCheckedJob } from './cost/item-size.js';

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
