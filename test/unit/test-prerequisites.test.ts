import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { pythonTool } from '../support/python-tools.js';

/**
 * scripts/check-test-prerequisites.mjs as `npm test` runs it, in an environment built from scratch:
 * a PATH holding only what each case puts there, and the virtualenv in a temp dir. Nothing here
 * reaches a real package index.
 */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = path.join(REPO_ROOT, 'scripts/check-test-prerequisites.mjs');
const TOOLS = ['moto_server', 'cfn-lint'] as const;

let dir: string;
let venv: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'enrich-job-watch-prereq-'));
  venv = path.join(dir, 'venv');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A directory of stand-in tools that succeed at anything, like an installed moto_server and cfn-lint. */
function fakeTools(binDir: string): string {
  mkdirSync(binDir, { recursive: true });
  for (const tool of TOOLS) {
    writeFileSync(path.join(binDir, tool), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  }
  return binDir;
}

/** A bin directory holding only this machine's real Python 3, without the tools installed beside it. */
function pythonOnly(): string {
  const found = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  expect(found.status, 'the test needs python3 on PATH').toBe(0);
  const binDir = path.join(dir, 'python-bin');
  mkdirSync(binDir);
  // A symlink: Python finds its standard library through it, and PATH gains nothing else.
  symlinkSync(realpathSync(found.stdout.trim()), path.join(binDir, 'python3'));
  return binDir;
}

interface Run {
  status: number | null;
  stderr: string;
}

function runScript(env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT], {
      cwd: REPO_ROOT,
      env: { ENRICH_JOB_WATCH_VENV: venv, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      resolve({ status, stderr });
    });
  });
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

describe('npm test prerequisites', () => {
  it('uses moto_server and cfn-lint from PATH and installs nothing', async () => {
    const run = await runScript({ PATH: fakeTools(path.join(dir, 'bin')) });
    expect(run).toEqual({ status: 0, stderr: '' });
    expect(existsSync(venv)).toBe(false);
  });

  it('uses the virtualenv when it was built from the current requirements, without Python on PATH', async () => {
    fakeTools(path.join(venv, 'bin'));
    copyFileSync(path.join(REPO_ROOT, 'requirements-test.txt'), path.join(venv, 'requirements-test.txt'));
    const before = readdirSync(venv, { recursive: true });
    const run = await runScript({ PATH: path.join(dir, 'empty') });
    expect(run).toEqual({ status: 0, stderr: '' });
    expect(readdirSync(venv, { recursive: true })).toEqual(before);
  });

  it('reinstalls when the requirements changed since the virtualenv was built', async () => {
    fakeTools(path.join(venv, 'bin'));
    // No copy of requirements-test.txt: built from other pins. No Python either, so the install stops.
    const run = await runScript({ PATH: path.join(dir, 'empty') });
    expect(run.status).toBe(1);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toContain('no Python 3.10+ (python3) to install them');
  });

  it('stops with one line naming Python when the tools are missing and Python is too', async () => {
    const run = await runScript({ PATH: path.join(dir, 'empty') });
    expect(run.status).toBe(1);
    expect(lines(run.stderr)).toEqual([
      `npm test: moto_server and cfn-lint are not on PATH, and there is no Python 3.10+ (python3) to install them into ${venv}: install Python 3, or run pip install -r requirements-test.txt`,
    ]);
    expect(existsSync(venv)).toBe(false);
  });

  it('creates the virtualenv and stops with one line naming the package index when pip cannot reach it', async () => {
    const closedPort = await freePort();
    const run = await runScript({
      PATH: pythonOnly(),
      // An index on a loopback port nobody listens on, no retries or cache, no user pip config.
      PIP_INDEX_URL: `http://127.0.0.1:${closedPort}/simple`,
      PIP_RETRIES: '0',
      PIP_TIMEOUT: '2',
      PIP_NO_CACHE_DIR: '1',
      PIP_CONFIG_FILE: os.devNull,
    });
    expect(run.status).toBe(1);
    const output = lines(run.stderr);
    expect(output[0]).toBe(`npm test: installing moto and cfn-lint (requirements-test.txt) into ${venv}...`);
    expect(output).toHaveLength(2);
    expect(output[1]).toMatch(
      /^npm test: pip could not install requirements-test\.txt into .* \(ERROR: No matching distribution found for moto\[server\]==5\.2\.1\): is the Python package index reachable/,
    );
    expect(existsSync(path.join(venv, 'bin', 'python'))).toBe(true);
    expect(existsSync(path.join(venv, 'requirements-test.txt'))).toBe(false);
  }, 120_000);
});

describe('pythonTool', () => {
  it('prefers a tool that runs from PATH', () => {
    const env = { PATH: fakeTools(path.join(dir, 'bin')), ENRICH_JOB_WATCH_VENV: venv };
    expect(pythonTool('cfn-lint', env)).toBe('cfn-lint');
  });

  it("falls back to the virtualenv's copy when PATH lacks the tool", () => {
    fakeTools(path.join(venv, 'bin'));
    const env = { PATH: path.join(dir, 'empty'), ENRICH_JOB_WATCH_VENV: venv };
    expect(pythonTool('moto_server', env)).toBe(path.join(venv, 'bin', 'moto_server'));
  });

  it('says how to install a tool found in neither place', () => {
    const env = { PATH: path.join(dir, 'empty'), ENRICH_JOB_WATCH_VENV: venv };
    expect(() => pythonTool('moto_server', env)).toThrow(
      `moto_server is neither on PATH nor in ${path.join(venv, 'bin')}: run npm test once`,
    );
  });
});
