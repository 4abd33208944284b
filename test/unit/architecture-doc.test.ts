import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * docs/ARCHITECTURE.md's "Code layout" table is what a newcomer reads first: it must name every
 * source file (by its path or its folder) and nothing that is gone.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCE_ROOTS = ['functions', 'cli', 'local', 'infra', 'bin', 'scripts', 'test', 'bench'];
/** Folders whose row covers everything below them. */
const SUBTREE_ROWS = ['test/', 'bench/'];
/** Listed, but produced by the build rather than kept in git. */
const BUILD_OUTPUT = ['dist/'];
const SOURCE_FILE = /\.(ts|mts|js|mjs)$/;

function layoutRowPaths(): string[] {
  const doc = readFileSync(path.join(ROOT, 'docs/ARCHITECTURE.md'), 'utf8');
  const section = /## Code layout\n([\s\S]*?)\n## /.exec(doc)?.[1] ?? '';
  const rows = section.split('\n').filter((line) => line.startsWith('| `'));
  return rows.flatMap((row) =>
    [...(row.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? ''),
  );
}

function sourceFiles(folder: string): string[] {
  return readdirSync(path.join(ROOT, folder), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${folder}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(relative);
    return SOURCE_FILE.test(entry.name) ? [relative] : [];
  });
}

describe('docs/ARCHITECTURE.md code layout', () => {
  const listed = layoutRowPaths();

  it('lists only paths that exist', () => {
    expect(listed.length).toBeGreaterThan(10);
    const missing = listed.filter(
      (entry) => !BUILD_OUTPUT.includes(entry) && !existsSync(path.join(ROOT, entry)),
    );
    expect(missing).toEqual([]);
  });

  it('covers every source file by its path or its folder', () => {
    const covered = (file: string): boolean =>
      listed.includes(file) ||
      listed.includes(`${path.posix.dirname(file)}/`) ||
      SUBTREE_ROWS.some((row) => listed.includes(row) && file.startsWith(row));
    const files = SOURCE_ROOTS.flatMap(sourceFiles);
    expect(files).toContain('functions/contract.ts');
    expect(files.filter((file) => !covered(file))).toEqual([]);
  });
});
