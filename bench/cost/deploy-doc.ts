/**
 * docs/DEPLOY.md's cost table lives between two markers; `npm run bench` rewrites what is between
 * them and formats the file as `npm run lint` expects (prettier).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';

export const DEPLOY_DOC = fileURLToPath(new URL('../../docs/DEPLOY.md', import.meta.url));
export const COST_TABLE_MARKERS = {
  start: '<!-- cost-table:start -->',
  end: '<!-- cost-table:end -->',
} as const;

/** The text between the markers, or an error naming what is missing. */
export function costTableOf(document: string): string {
  const start = document.indexOf(COST_TABLE_MARKERS.start);
  const end = document.indexOf(COST_TABLE_MARKERS.end);
  if (start < 0 || end < start) {
    throw new Error(`${DEPLOY_DOC} has no ${COST_TABLE_MARKERS.start} ... ${COST_TABLE_MARKERS.end} section`);
  }
  return document.slice(start + COST_TABLE_MARKERS.start.length, end);
}

/**
 * A Markdown table as its cells, trimmed: prettier's column padding and separator dashes do not
 * count, so a formatted table equals the model's unformatted one.
 */
export function tableCells(markdown: string): string[][] {
  return markdown
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    )
    .filter((cells) => !cells.every((cell) => /^:?-+:?$/.test(cell)));
}

/** Replaces the table between the markers with `table` and formats the file with prettier. */
export async function writeDeployCostTable(table: string): Promise<void> {
  const document = readFileSync(DEPLOY_DOC, 'utf8');
  const old = costTableOf(document);
  const updated = document.replace(
    `${COST_TABLE_MARKERS.start}${old}${COST_TABLE_MARKERS.end}`,
    `${COST_TABLE_MARKERS.start}\n\n${table}\n\n${COST_TABLE_MARKERS.end}`,
  );
  const options = (await resolveConfig(DEPLOY_DOC)) ?? {};
  writeFileSync(DEPLOY_DOC, await format(updated, { ...options, filepath: DEPLOY_DOC }));
}
