/**
 * docs/DEPLOY.md's cost table lives between two markers; `npm run bench` rewrites what is between
 * them and formats the file as `npm run lint` expects (prettier).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';

/** docs/DEPLOY.md, whose "Monthly cost estimate" holds the generated section. */
export const DEPLOY_DOC = fileURLToPath(new URL('../../docs/DEPLOY.md', import.meta.url));
/** The HTML comments around the generated part (invisible when rendered). */
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
 * Markdown as prettier leaves it comparable: each table row as its trimmed cells (column padding
 * and separator rows do not count), each other non-empty line as itself. A formatted section
 * equals the model's unformatted one.
 */
export function comparableMarkdown(markdown: string): string[][] {
  return markdown
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) =>
      line.startsWith('|')
        ? line
            .slice(1, -1)
            .split('|')
            .map((cell) => cell.trim())
        : [line],
    )
    .filter((cells) => !cells.every((cell) => /^:?-+:?$/.test(cell)));
}

/** Replaces what is between the markers with `section` and formats the file with prettier. */
export async function writeDeployCostSection(section: string): Promise<void> {
  const document = readFileSync(DEPLOY_DOC, 'utf8');
  const old = costTableOf(document);
  const updated = document.replace(
    `${COST_TABLE_MARKERS.start}${old}${COST_TABLE_MARKERS.end}`,
    `${COST_TABLE_MARKERS.start}\n\n${section}\n\n${COST_TABLE_MARKERS.end}`,
  );
  await writeFormatted(DEPLOY_DOC, updated);
}

/** Writes `text` to `file` formatted as `npm run lint` expects (the repository's prettier config). */
export async function writeFormatted(file: string, text: string): Promise<void> {
  const options = (await resolveConfig(file)) ?? {};
  writeFileSync(file, await format(text, { ...options, filepath: file }));
}
