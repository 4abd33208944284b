/**
 * The CLI with no AWS at all: the embedded store in a data folder, the built-in simulator, and
 * `start` as a user runs it, interrupted with Ctrl-C.
 */
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '../../functions/core/use-cases/list-jobs.js';
import { encodeJobItem } from '../../functions/core/adapters/dynamodb/job-item.js';
import { trackedJob } from '../support/builders.js';
import { writeEarlierStore } from '../support/earlier-store.js';
import { killedWhileCreatingTable } from '../support/half-made-table.js';
import { CliProcess, runCli } from './cli-process.js';

let root: string;
const running: CliProcess[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ejw-cli-local-'));
});

afterEach(() => {
  for (const cli of running.splice(0)) cli.kill();
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function start(env: Record<string, string>): CliProcess {
  const cli = new CliProcess(['start'], env);
  running.push(cli);
  return cli;
}

describe('local mode', () => {
  it('tracks and lists jobs in the data folder, across processes', async () => {
    const env = { ENRICH_JOB_WATCH_HOME: join(root, 'commands') };
    const jobId = 'c0ffee00-1234-4abc-8def-0123456789ab';

    const tracked = await runCli(['track', jobId, '--label', 'Local job', '--meta', 'team=growth'], env);
    expect(tracked.code, tracked.stderr).toBe(0);
    expect(tracked.stdout).toContain(`Now tracking ${jobId} (Local job)`);

    const listed = await runCli(['list', '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({
        job_id: jobId,
        status: 'pending',
        label: 'Local job',
        metadata: { team: 'growth' },
      }),
    ]);

    const again = await runCli(['track', jobId], env);
    expect(again.stdout).toContain('nothing changed');
  });

  it('refuses a malformed id before opening anything: a fresh data folder is not even created', async () => {
    const env = { ENRICH_JOB_WATCH_HOME: join(root, 'fresh') };

    for (const command of ['track', 'show', 'untrack']) {
      const refused = await runCli([command, '123'], env);
      expect(refused.code, command).toBe(2);
      expect(refused.stderr, command).toContain('"123" is not a CompanyEnrich job id');
    }

    expect(await exists(env.ENRICH_JOB_WATCH_HOME)).toBe(false);
    const listed = await runCli(['list', '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([]);
  });

  it('repairs a data folder whose table a killed process left half-created, and says so', async () => {
    const home = join(root, 'half-made');
    await mkdir(home, { recursive: true });
    await killedWhileCreatingTable(join(home, 'dynamodb'));
    const env = { ENRICH_JOB_WATCH_HOME: home };
    const jobId = 'c0ffee00-1234-4abc-8def-0123456789ac';

    const tracked = await runCli(['track', jobId], env);
    expect(tracked.code, tracked.stderr).toBe(0);
    expect(tracked.stderr).toContain('was left half-created by a stopped process');
    const listed = await runCli(['list', '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as JobView[]).map((view) => view.job_id)).toEqual([jobId]);
    expect(listed.stderr).toBe('');
  });

  it('upgrades a data folder made by an earlier version (due index by-next-check), says so, and keeps its jobs', async () => {
    const home = join(root, 'earlier-layout');
    const jobId = 'c0ffee00-1234-4abc-8def-0123456789ad';
    await writeEarlierStore(join(home, 'dynamodb'), [
      encodeJobItem(trackedJob({ jobId, status: 'processing' })),
    ]);
    const env = { ENRICH_JOB_WATCH_HOME: home };

    const listed = await runCli(['list', '--json'], env);

    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stderr).toContain('Upgrading the local store: 1 item to the new table layout');
    expect((JSON.parse(listed.stdout) as JobView[]).map((view) => view.job_id)).toEqual([jobId]);
    const again = await runCli(['list', '--json'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toBe('');
    expect(await exists(join(home, 'jobs-table-backup.jsonl'))).toBe(false);
  });

  it('a reader that stops early (--help | head) is no error: the command finishes with exit code 0', async () => {
    const cli = new CliProcess(['--help'], {});
    running.push(cli);
    cli.closeStdout();
    const result = await cli.finished(20_000);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('start seeds demo jobs, notifies completions and failures, stops on Ctrl-C, and resumes without re-seeding', async () => {
    const home = join(root, 'run');
    // A 1 s tick and demo jobs 20x shorter (about 1-4 s): the whole demo in a few seconds.
    const env = {
      ENRICH_JOB_WATCH_HOME: home,
      POLL_INTERVAL_SECONDS: '1',
      ENRICH_JOB_WATCH_DEMO_SCALE: '0.05',
    };

    const startedAt = Date.now();
    const first = start(env);
    await first.waitForOutput(/Seeded 6 demo jobs/, 15_000);
    await first.waitForOutput(/NOTIFICATION job\.completed · email ─+\n {4}Subject: Job completed: /, 20_000);
    await first.waitForOutput(/NOTIFICATION job\.failed · SMS ─+\n {4}enrich-job-watch: .* failed\./, 20_000);
    expect(first.stdout).toMatch(/tick: \d+ checked, \d+ transitions?, \d+ notifications?/);
    expect(first.stdout).toMatch(/: pending → processing/);

    // While start holds the store, other commands attach to it.
    const lateJob = 'deadbeef-0000-4000-8000-000000000001';
    const tracked = await runCli(['track', lateJob, '--label', 'Tracked while running'], env);
    expect(tracked.code, tracked.stderr).toBe(0);
    const whileRunning = await runCli(['list', '--json'], env);
    expect((JSON.parse(whileRunning.stdout) as JobView[]).length).toBe(7);

    // Under `npm start` one Ctrl-C arrives twice: from the terminal and forwarded by npm.
    const stopped = await first.interrupt(5_000, 2);
    expect(stopped.code, first.transcript()).toBe(0);
    expect(stopped.ms).toBeLessThan(5_000);
    expect(first.stdout).toContain('Stopped.');
    expect(await exists(join(home, 'running.json'))).toBe(false);

    const second = start(env);
    await second.waitForOutput(/Resuming: 7 tracked jobs/, 15_000);
    await second.waitForOutput(/tick: /, 10_000);
    const again = await second.interrupt(5_000);
    expect(again.code, second.transcript()).toBe(0);
    expect(second.stdout).not.toContain('Seeded');

    const after = JSON.parse((await runCli(['list', '--json'], env)).stdout) as JobView[];
    expect(after).toHaveLength(7);
    const statuses = after.map((view) => view.status);
    expect(statuses).toContain('completed');
    expect(statuses).toContain('failed');
    const notified = after.find((view) => view.status === 'completed');
    expect(notified?.last_notification).not.toBeNull();
    const last = notified?.history.at(-1);
    expect(last?.to).toBe('completed');
    // Recorded by one of the two runs above, so within this test's own wall-clock window.
    expect(Date.parse(last?.at ?? '')).toBeGreaterThanOrEqual(startedAt);
    expect(Date.parse(last?.at ?? '')).toBeLessThanOrEqual(Date.now());
  });
});
