/**
 * `npm run bench`: runs every report section, prints one table with each goal of issue 9 next to
 * what was measured, and writes the same figures to docs/BENCHMARKS.md with the polling chart.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { costModelInputs, costModelSection, deployCostSection } from './cost-model.js';
import { DEPLOY_DOC, writeDeployCostSection, writeFormatted } from './cost/deploy-doc.js';
import { pollingChartSvg } from './polling/chart.js';
import { pollingStrategiesSection } from './polling/section.js';
import type { BenchSection } from './section.js';
import { tickThroughputSection } from './tick-throughput.js';

const DOCS = new URL('../docs/', import.meta.url);

function goalsTable(sections: readonly BenchSection[]): string {
  const rows = sections.flatMap((s) =>
    s.goals.map((g) => `| ${s.title} | ${g.goal} | ${g.measured} | ${g.met ? 'yes' : '**no**'} |`),
  );
  return ['| Section | Goal | Measured | Met |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function report(sections: readonly BenchSection[], machine: string): string {
  return [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (`bench/run.ts`); rerun it to refresh every figure on this page.',
    `Last run: ${new Date().toISOString()} on ${machine}.`,
    '',
    '## Goals',
    '',
    goalsTable(sections),
    '',
    ...sections.flatMap((s) => [`## ${s.title}`, '', s.markdown, '']),
  ].join('\n');
}

async function main(): Promise<void> {
  const polling = pollingStrategiesSection();
  const costInputs = await costModelInputs();
  const sections = [polling.section, await tickThroughputSection(), await costModelSection(costInputs)];
  const machine = `${cpus().length} cores, Node ${process.version}`;
  console.log(goalsTable(sections));
  writeFileSync(new URL('benchmarks-polling.svg', DOCS), pollingChartSvg(polling.results));
  await writeFormatted(fileURLToPath(new URL('BENCHMARKS.md', DOCS)), report(sections, machine));
  await writeDeployCostSection(await deployCostSection(costInputs));
  console.log(
    `\nWrote ${fileURLToPath(new URL('BENCHMARKS.md', DOCS))}, benchmarks-polling.svg and ${DEPLOY_DOC}'s cost table`,
  );
}

await main();
