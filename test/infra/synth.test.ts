import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonTool } from '../support/python-tools.js';

/**
 * The app as an operator synthesizes it: `cdk synth` with cdk.json (tsx, feature flags, no
 * notices or telemetry) into a temp dir, once for the file.
 */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

type Manifest = { artifacts: Record<string, { type: string; properties?: { templateFile?: string } }> };
type Template = { Resources: Record<string, { Type: string; Metadata?: Record<string, unknown> }> };

let assemblyDir: string;
let templateFiles: string[];

beforeAll(() => {
  assemblyDir = mkdtempSync(path.join(os.tmpdir(), 'enrich-job-watch-synth-'));
  // Without the test run's fake AWS credentials and Powertools settings: synth needs neither, and
  // given credentials the CLI would try to look up the default account.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith('AWS_') && !name.startsWith('POWERTOOLS_'),
    ),
  );
  const cdk = path.join(REPO_ROOT, 'node_modules/.bin/cdk');
  const synth = spawnSync(cdk, ['synth', '--quiet', '--output', assemblyDir], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env,
  });
  if (synth.status !== 0) {
    throw new Error(`cdk synth failed (${String(synth.status)}):\n${synth.stdout}${synth.stderr}`);
  }
  const manifest = JSON.parse(readFileSync(path.join(assemblyDir, 'manifest.json'), 'utf8')) as Manifest;
  templateFiles = Object.values(manifest.artifacts).flatMap((artifact) =>
    artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile
      ? [path.join(assemblyDir, artifact.properties.templateFile)]
      : [],
  );
}, 120_000);

afterAll(() => {
  rmSync(assemblyDir, { recursive: true, force: true });
});

describe('cfn-lint', () => {
  it('finds no errors or warnings in any template (exceptions, with reasons: .cfnlintrc.yaml)', () => {
    // The app is one stack, named by the `stackName` context (default EnrichJobWatch).
    expect(templateFiles.map((file) => path.basename(file))).toEqual(['EnrichJobWatch.template.json']);
    for (const templateFile of templateFiles) {
      const lint = spawnSync(pythonTool('cfn-lint'), [templateFile], { cwd: REPO_ROOT, encoding: 'utf8' });
      expect(lint.error, 'cfn-lint must be on PATH').toBeUndefined();
      expect(lint.status, `cfn-lint ${path.basename(templateFile)}:\n${lint.stdout}${lint.stderr}`).toBe(0);
    }
  }, 60_000);
});

describe('poll function bundle', () => {
  /** The bundled entry of the poll function, found through the asset path CDK records on the resource. */
  function pollBundle(): string {
    for (const templateFile of templateFiles) {
      const { Resources } = JSON.parse(readFileSync(templateFile, 'utf8')) as Template;
      for (const resource of Object.values(Resources)) {
        const cdkPath = resource.Metadata?.['aws:cdk:path'];
        const assetPath = resource.Metadata?.['aws:asset:path'];
        if (
          resource.Type === 'AWS::Lambda::Function' &&
          typeof cdkPath === 'string' &&
          cdkPath.endsWith('/Poller/Function/Resource') &&
          typeof assetPath === 'string'
        ) {
          return path.join(assemblyDir, assetPath, 'index.mjs');
        }
      }
    }
    throw new Error('no poll function asset in the cloud assembly');
  }

  const VALID_ENV = {
    // DynamoDB table names are 3-255 characters, and config.ts checks that.
    JOBS_TABLE_NAME: 'jobs',
    EVENTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:t',
    OPERATOR_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:o',
    COMPANYENRICH_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:k',
    AWS_REGION: 'us-east-1',
  };

  /** Imports the bundle in a fresh `node` with only `env` (no AWS credentials, nothing from this process). */
  function importBundle(env: Record<string, string>): SpawnSyncReturns<string> {
    const url = pathToFileURL(pollBundle()).href;
    return spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(url)}); process.stdout.write(typeof m.handler);`,
      ],
      {
        cwd: os.tmpdir(),
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: '--enable-source-maps', ...env },
        timeout: 30_000,
      },
    );
  }

  it('loads on its own and exports the handler', () => {
    const run = importBundle(VALID_ENV);
    expect(run.status, run.stderr.slice(-4000)).toBe(0);
    expect(run.stdout).toBe('function');
  });

  it('fails the cold start, naming the variable, when JOBS_TABLE_NAME is missing', () => {
    const run = importBundle(
      Object.fromEntries(Object.entries(VALID_ENV).filter(([name]) => name !== 'JOBS_TABLE_NAME')),
    );
    expect(run.status).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('JOBS_TABLE_NAME is required');
  });
});
