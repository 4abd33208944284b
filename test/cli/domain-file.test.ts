/** submit's file reading and progress lines, without processes: the parts with many cases. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDomainFile, validateDomainFile } from '../../cli/domain-file.js';
import { estimateRemainingMs, PlainProgress } from '../../cli/progress.js';
import { ValidationError } from '../../functions/core/domain/errors.js';

let root: string;
let fileNumber = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ejw-domain-file-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function read(text: string) {
  fileNumber += 1;
  const path = join(root, `file-${fileNumber}`);
  await writeFile(path, text, 'utf8');
  const file = await readDomainFile(path);
  return { path, file };
}

describe('reading a domain file', () => {
  it('takes one domain per line, skipping blank lines and # comments, with their line numbers', async () => {
    const { file } = await read('# header\n\nacme.com\r\n  # indented comment\n beta.io \n');
    expect(file).toEqual({
      format: 'lines',
      entries: [
        { value: 'acme.com', line: 3 },
        { value: 'beta.io', line: 5 },
      ],
    });
  });

  it('detects a CSV by a domain column in its header (any case, any position, after comments and a BOM)', async () => {
    const { file } = await read(
      '\uFEFF# exported from the CRM\nName, DOMAIN ,Notes\n"Acme, Inc.",acme.com,"a ""quoted""\nnote"\nBeta,beta.io,# not a comment\n',
    );
    expect(file).toEqual({
      format: 'csv',
      entries: [
        { value: 'acme.com', line: 4 },
        { value: 'beta.io', line: 5 },
      ],
    });
  });

  it('reads a file whose only line is "domain" as a CSV with no rows', async () => {
    const { file } = await read('domain\n');
    expect(file).toEqual({ format: 'csv', entries: [] });
  });

  it('refuses malformed CSV, naming the problem', async () => {
    await expect(read('name,domain\nAcme,acme.com,extra\n')).rejects.toThrow(
      /not valid CSV: .*Invalid Record Length/,
    );
  });
});

describe('validating the domains', () => {
  it('normalises, removes duplicates and reports them', async () => {
    const { path, file } = await read('Acme.com\nbeta.io\nacme.com.\nBETA.io\nbeta.io\n');
    expect(validateDomainFile(path, file)).toEqual({
      domains: ['acme.com', 'beta.io'],
      duplicatesRemoved: ['acme.com', 'beta.io'],
    });
  });

  it('names the line and the reason of the first five bad entries, and counts the rest', async () => {
    const bad = ['http://a.com', 'b c.com', 'x@y.com', 'nodot', '-a.com', '1.2.3.4', 'ok.com'];
    const { path, file } = await read(`${bad.join('\n')}\n`);
    const error = (() => {
      try {
        validateDomainFile(path, file);
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    const message = (error as Error).message;
    expect(message).toContain('6 entries are not a valid domain');
    expect(message).toContain('line 1 ("http://a.com"): a URL, not a domain');
    expect(message).toContain('line 4 ("nodot"): needs at least two labels');
    expect(message).toContain('and 1 more');
    expect(message).not.toContain('line 6');
  });
});

describe('progress lines', () => {
  it('prints a line per change, with an ETA at the rate seen so far', () => {
    const lines: string[] = [];
    const progress = new PlainProgress((line) => lines.push(line));
    progress.update({ status: 'pending', done: 0, total: null }, 0);
    progress.update({ status: 'pending', done: 0, total: null }, 1_000);
    progress.update({ status: 'processing', done: 100, total: 400 }, 2_000);
    progress.update({ status: 'processing', done: 200, total: 400 }, 12_000);
    progress.update({ status: 'completed', done: 400, total: 400 }, 20_000);
    expect(lines).toEqual([
      'progress: pending, waiting for the first status check',
      'progress: processing, 100/400 domains (25%)',
      'progress: processing, 200/400 domains (50%), ETA 20s',
      'progress: completed, 400/400 domains (100%)',
    ]);
  });

  it('has no estimate before any progress', () => {
    expect(estimateRemainingMs({ atMs: 0, done: 0 }, { atMs: 5_000, done: 0 }, 10)).toBeNull();
    expect(estimateRemainingMs({ atMs: 0, done: 5 }, { atMs: 0, done: 5 }, 10)).toBeNull();
    expect(estimateRemainingMs({ atMs: 0, done: 0 }, { atMs: 10_000, done: 5 }, 10)).toBe(10_000);
  });
});
