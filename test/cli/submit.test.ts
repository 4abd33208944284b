/**
 * `submit`, `show` and `untrack` as a user runs them, in local mode (embedded store in a data
 * folder) against a seeded simulator this test hosts and points the CLI at
 * (COMPANYENRICH_API_URL), so its request log shows exactly what the CLI asked of CompanyEnrich.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JobView } from '../../functions/core/use-cases/list-jobs.js';
import { CompanyEnrichSimulator } from '../../local/simulator/index.js';
import { CliProcess, runCli } from './cli-process.js';

const API_KEY = 'ce_test_submit-0123456789';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

let root: string;
let simulator: CompanyEnrichSimulator;
let env: Record<string, string>;
let caseNumber = 0;
const running: CliProcess[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ejw-cli-submit-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

beforeEach(async () => {
  caseNumber += 1;
  // Jobs of a few seconds at most: 1-20 s pending and 20-150 ms per domain, times 0.05.
  simulator = new CompanyEnrichSimulator({ apiKey: API_KEY, seed: 7, durationScale: 0.05 });
  const { url } = await simulator.start();
  env = {
    ENRICH_JOB_WATCH_HOME: join(root, `home-${caseNumber}`),
    COMPANYENRICH_API_KEY: API_KEY,
    COMPANYENRICH_API_URL: url,
  };
});

afterEach(async () => {
  for (const cli of running.splice(0)) cli.kill();
  await simulator.stop();
});

async function domainFile(name: string, text: string): Promise<string> {
  const path = join(root, `${caseNumber}-${name}`);
  await writeFile(path, text, 'utf8');
  return path;
}

function creates(): number {
  return simulator.requests.filter((request) => request.method === 'POST').length;
}

async function listed(): Promise<JobView[]> {
  const result = await runCli(['list', '--json'], env);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as JobView[];
}

function submittedJobId(stdout: string): string {
  const jobId = new RegExp(`Submitted: job (${UUID.source})`).exec(stdout)?.[1];
  if (!jobId) throw new Error(`no job id in:\n${stdout}`);
  return jobId;
}

describe('submit', () => {
  it('creates and tracks a job from a file of lines, skipping comments and blank lines, and reports duplicates', async () => {
    const file = await domainFile(
      'domains.txt',
      '# partners, week 48\nstripe.com\n\n  Notion.so  \nSTRIPE.com\r\nlinear.app.\n',
    );
    const result = await runCli(['submit', file, '--label', 'Partners', '--meta', 'team=growth'], env);

    expect(result.code, result.stderr).toBe(0);
    const jobId = submittedJobId(result.stdout);
    expect(result.stdout).toMatch(/domains: +3\n/);
    expect(result.stdout).toMatch(/duplicates removed: +1 \(stripe\.com\)/);
    expect(creates()).toBe(1);
    expect(simulator.documentFor(jobId).total_domains).toBe(3);
    expect(await listed()).toEqual([
      expect.objectContaining({ job_id: jobId, label: 'Partners', metadata: { team: 'growth' } }),
    ]);
  });

  it('reads the domain column of a CSV file, quoted fields (commas, quotes, line breaks) included', async () => {
    const file = await domainFile(
      'companies.csv',
      'Name,Domain,Notes\n' +
        '"Acme, Inc.",acme.com,"said ""call us""\non two lines"\n' +
        'Beta,"beta.io",\n' +
        '"Gamma ""G"" Ltd",ACME.com,duplicate\n',
    );
    const result = await runCli(['submit', file], env);

    expect(result.code, result.stderr).toBe(0);
    const jobId = submittedJobId(result.stdout);
    expect(result.stdout).toMatch(/domains: +2\n/);
    expect(result.stdout).toMatch(/duplicates removed: +1 \(acme\.com\)/);
    expect(simulator.documentFor(jobId).total_domains).toBe(2);
  });

  it.each([
    ['a line that is not a domain', 'ok.com\nhttps://example.com/path\nfine.io\n', /line 2 .*URL/],
    ['a CSV row with an unclosed quote', 'name,domain\n"Acme,acme.com\n', /not valid CSV/],
    ['no domains at all', '# nothing here\n\n', /lists no domains/],
  ])('refuses %s: exit 2, nothing created or tracked', async (_case, text, message) => {
    const file = await domainFile('bad.txt', text);
    const result = await runCli(['submit', file], env);

    expect(result.code, result.stdout).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(creates()).toBe(0);
    expect(await listed()).toEqual([]);
  });

  it('refuses a file that cannot be read with exit 2', async () => {
    const result = await runCli(['submit', join(root, 'does-not-exist.txt')], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Cannot read .*does-not-exist\.txt \(ENOENT\)/);
    expect(creates()).toBe(0);
  });

  it('with --idempotency-key, a retry returns the first job instead of creating another', async () => {
    const file = await domainFile('retry.txt', 'a-company.com\nb-company.com\n');
    const first = await runCli(['submit', file, '--idempotency-key', 'batch-48'], env);
    const again = await runCli(['submit', file, '--idempotency-key', 'batch-48'], env);

    expect(first.code, first.stderr).toBe(0);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(
      `Already submitted with this idempotency key: job ${submittedJobId(first.stdout)}`,
    );
    expect(creates()).toBe(1);
  });
});

describe('show and untrack', () => {
  it('shows a job with its history, as a table and as JSON, and untracks it', async () => {
    const file = await domainFile('show.txt', 'acme.com\nbeta.io\n');
    const jobId = submittedJobId((await runCli(['submit', file, '--label', 'Show me'], env)).stdout);

    const human = await runCli(['show', jobId], env);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`Job id: +${jobId}`));
    expect(human.stdout).toMatch(/Label: +Show me/);
    expect(human.stdout).toMatch(/Status: +pending/);
    expect(human.stdout).toContain('History');

    const json = await runCli(['show', jobId, '--json'], env);
    expect(JSON.parse(json.stdout)).toEqual(
      expect.objectContaining({ job_id: jobId, label: 'Show me', status: 'pending', history: [] }),
    );

    const untracked = await runCli(['untrack', jobId], env);
    expect(untracked.code, untracked.stderr).toBe(0);
    expect(untracked.stdout).toContain('Stopped tracking Show me');
    const after = await runCli(['show', jobId, '--json'], env);
    expect(after.code, after.stderr).toBe(0);
    const view = JSON.parse(after.stdout) as JobView;
    expect(view.next_check_at).toBeNull();
    expect(Date.parse(view.untracked_at ?? '')).toBeGreaterThan(0);
    const shown = await runCli(['show', jobId], env);
    expect(shown.stdout).toMatch(/Untracked: +\S+ .*no longer checked/);
  });

  it('says which job is unknown (exit 1) and refuses a malformed id (exit 2)', async () => {
    const unknown = await runCli(['show', '00000000-0000-4000-8000-000000000000'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('00000000-0000-4000-8000-000000000000 is not tracked');

    const untrackUnknown = await runCli(['untrack', '00000000-0000-4000-8000-000000000000'], env);
    expect(untrackUnknown.code).toBe(1);

    const malformed = await runCli(['show', 'not-a-job-id'], env);
    expect(malformed.code).toBe(2);
  });
});

describe('submit --wait against a running start', () => {
  it('is refused (exit 2, nothing created) in local mode when no start runs to record progress', async () => {
    const file = await domainFile('no-start.txt', 'acme.com\n');
    const result = await runCli(['submit', file, '--wait'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('start it first');
    expect(creates()).toBe(0);
  });

  it('prints progress lines (stdout is not a terminal) until the job ends, then its summary', async () => {
    const start = new CliProcess(['start'], { ...env, POLL_INTERVAL_SECONDS: '1' });
    running.push(start);
    await start.waitForOutput(/Press Ctrl-C to stop/, 20_000);
    const domains = Array.from({ length: 300 }, (_, index) => `company-${index}.com`);
    const file = await domainFile('wait.txt', `${domains.join('\n')}\n`);

    const result = await runCli(['submit', file, '--wait'], env, 60_000);

    const jobId = submittedJobId(result.stdout);
    const progress = result.stdout.split('\n').filter((line) => line.startsWith('progress: '));
    expect(progress.length, result.stdout).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)).toMatch(/^progress: (completed|failed), 300\/300 domains \(100%\)$/);
    const final = simulator.documentFor(jobId);
    expect(result.stdout).toContain(`ended ${final.status}.`);
    expect(result.stdout).toContain(
      `domains: 300 (${final.success_count} succeeded, ${final.failed_count} failed)`,
    );
    expect(result.code, result.stderr).toBe(final.status === 'completed' ? 0 : 1);
  });
});
