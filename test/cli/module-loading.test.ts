/**
 * What each command loads, observed in the running CLI: `--help` only the program and commander;
 * `track`, `list`, `show` and `untrack` neither the poll tick, the CompanyEnrich adapters, the
 * simulator, SNS, Secrets Manager, Powertools nor submit's CSV and progress-bar packages. Each command is its own chunk of the build; dist/modules.json (written by the
 * build) names the sources in each chunk. A static import that drags one of those modules into a
 * light command fails here, long before anyone notices a slow start.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-process.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
const RECORDER = new URL('./record-loaded-modules.mjs', import.meta.url).href;

/** Sources that only `poll`, `start` and `submit` need: the light commands never load them. */
const POLL_ONLY = [
  'functions/core/use-cases/poll-tick.ts',
  'functions/core/adapters/companyenrich-status-api.ts',
  'functions/core/adapters/companyenrich-job-creation-api.ts',
  'functions/core/adapters/webhook-tokens.ts',
  'node_modules/csv-parse/',
  'node_modules/cli-progress/',
  'functions/core/adapters/sns-notifier.ts',
  'functions/core/adapters/api-key.ts',
  'functions/core/wiring.ts',
  'local/simulator-host.ts',
  'local/simulator/index.ts',
  'node_modules/@aws-sdk/client-sns/',
  'node_modules/@aws-sdk/client-secrets-manager/',
  'node_modules/@aws-lambda-powertools/',
  'node_modules/p-retry/',
  'node_modules/p-map/',
];

/** All that `--help` may load: the program, its exit codes and error types, and commander. */
const HELP_ONLY =
  /^(cli\/main\.ts|cli\/exit-code\.ts|cli\/human-log\.ts|package\.json|functions\/core\/domain\/[\w-]+\.ts|node_modules\/commander\/)/;

let root: string;
let modulesJson: Record<string, { inputs: string[] }>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ejw-cli-loading-'));
  modulesJson = JSON.parse(await readFile(join(DIST, 'modules.json'), 'utf8')) as typeof modulesJson;
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/**
 * Runs the CLI and returns the sources it loaded: the inputs of each dist/ chunk it imported, and
 * each CommonJS file it required from node_modules (e.g. dynalite, loaded at run time).
 */
async function loadedSources(
  name: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; sources: string[] }> {
  const record = join(root, `${name}.loaded`);
  const result = await runCli(args, {
    ENRICH_JOB_WATCH_HOME: join(root, name),
    NODE_OPTIONS: `--import=${RECORDER}`,
    EJW_RECORD_LOADED_MODULES: record,
    ...env,
  });
  expect(result.code, result.stderr).toBe(0);
  const urls = (await readFile(record, 'utf8')).split('\n').filter((url) => url.startsWith('file:'));
  const sources = new Set<string>();
  for (const url of urls) {
    const path = fileURLToPath(url);
    const inDist = relative(DIST, path).split('\\').join('/');
    const chunk = modulesJson[inDist];
    if (chunk) chunk.inputs.forEach((input) => sources.add(input));
    else if (path.includes('/node_modules/')) sources.add(path.slice(path.lastIndexOf('node_modules/')));
  }
  return { code: result.code, sources: [...sources].sort() };
}

/** The entries of `prefixes` (files or package folders) that some loaded source is or is in. */
function loaded(sources: string[], prefixes: string[]): string[] {
  return prefixes.filter((prefix) => sources.some((source) => source.startsWith(prefix)));
}

describe('what each command loads', () => {
  it('--help loads the program and commander, nothing else', async () => {
    const { sources } = await loadedSources('help', ['--help']);
    expect(sources).toContain('cli/main.ts');
    expect(sources.filter((source) => !HELP_ONLY.test(source))).toEqual([]);
  });

  it('track, list, show and untrack load the store but not the tick, the status API, the simulator, SNS or Powertools', async () => {
    const jobId = 'c0ffee00-1234-4abc-8def-0123456789ab';
    const track = await loadedSources('light', ['track', jobId]);
    expect(track.sources).toEqual(
      expect.arrayContaining(['cli/commands/track.ts', 'functions/core/adapters/dynamodb/job-store.ts']),
    );
    expect(loaded(track.sources, POLL_ONLY)).toEqual([]);

    const list = await loadedSources('light', ['list']);
    expect(list.sources).toContain('cli/commands/list.ts');
    expect(loaded(list.sources, POLL_ONLY)).toEqual([]);

    const show = await loadedSources('light', ['show', jobId]);
    expect(show.sources).toContain('cli/commands/show.ts');
    expect(loaded(show.sources, POLL_ONLY)).toEqual([]);

    const untrack = await loadedSources('light', ['untrack', jobId]);
    expect(untrack.sources).toContain('cli/commands/untrack.ts');
    expect(loaded(untrack.sources, POLL_ONLY)).toEqual([]);
  });

  it('poll --once loads the tick, the status API and the simulator (the check above sees them when loaded)', async () => {
    const { sources } = await loadedSources('poll', ['poll', '--once']);
    expect(loaded(sources, POLL_ONLY)).toEqual(
      expect.arrayContaining([
        'functions/core/use-cases/poll-tick.ts',
        'functions/core/adapters/companyenrich-status-api.ts',
        'local/simulator/index.ts',
        'node_modules/p-retry/',
      ]),
    );
  });

  it('submit loads the creation adapter, the webhook tokens, and its CSV and progress packages', async () => {
    const file = join(root, 'domains.csv');
    await writeFile(file, 'name,domain\nAcme,acme.com\n');
    const { sources } = await loadedSources('submit', ['submit', file]);
    expect(loaded(sources, POLL_ONLY)).toEqual(
      expect.arrayContaining([
        'functions/core/adapters/companyenrich-job-creation-api.ts',
        'functions/core/adapters/webhook-tokens.ts',
        'node_modules/csv-parse/',
        'node_modules/cli-progress/',
      ]),
    );
  });
});
