#!/usr/bin/env node
// `npm test` talks to a real-protocol emulator (moto) and lints templates with cfn-lint, both
// Python tools. Tools that already run from PATH are used as they are and nothing is installed;
// otherwise requirements-test.txt is installed into a project-local virtualenv, where the tests
// find them (test/support/python-tools.ts). Whatever stops the set-up stops the run with one
// clear line: tests are never skipped for lack of a tool.
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REQUIREMENTS = path.join(ROOT, 'requirements-test.txt');
// The same directory test/support/python-tools.ts looks in; the variable lets tests use a temp dir.
const VENV = process.env.ENRICH_JOB_WATCH_VENV || path.join(ROOT, '.venv');
const VENV_IN_ROOT = path.relative(ROOT, VENV);
const VENV_NAME = VENV_IN_ROOT && !VENV_IN_ROOT.startsWith('..') ? VENV_IN_ROOT : VENV;
// A copy of the requirements the virtualenv was built from: a changed pin means reinstalling.
const STAMP = path.join(VENV, 'requirements-test.txt');
// Each tool with a cheap call that succeeds only where it is really installed (a pyenv shim of a
// tool installed for another Python version is on PATH, but fails).
const TOOLS = [
  { command: 'moto_server', probe: ['--help'] },
  { command: 'cfn-lint', probe: ['--version'] },
];
const MIN_PYTHON = [3, 10];

/** The run stops here: one line saying what is missing and what to do. */
function fail(message) {
  console.error(`npm test: ${message}`);
  process.exit(1);
}

function runs(command, args) {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return result.error === undefined && result.status === 0;
}

function toolsRun(binDir) {
  return TOOLS.every(({ command, probe }) => runs(binDir ? path.join(binDir, command) : command, probe));
}

function readOrEmpty(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The last line a failed command printed that says why, e.g. pip's "ERROR: No matching distribution…". */
function reason(result) {
  if (result.error) return result.error.message;
  const lines = `${result.stdout}\n${result.stderr}`.split('\n').map((line) => line.trim());
  return lines.findLast((line) => line.startsWith('ERROR')) ?? lines.findLast((line) => line !== '') ?? '';
}

function findPython() {
  const versionCheck = `import sys; sys.exit(sys.version_info < (${MIN_PYTHON.join(', ')}))`;
  return ['python3', 'python'].find((command) => runs(command, ['-c', versionCheck]));
}

function install() {
  const python = findPython();
  if (python === undefined) {
    fail(
      `moto_server and cfn-lint are not on PATH, and there is no Python ${MIN_PYTHON.join('.')}+ (python3) to install them into ${VENV_NAME}: install Python 3, or run pip install -r requirements-test.txt`,
    );
  }
  const venvPython = path.join(VENV, 'bin', 'python');
  if (!runs(venvPython, ['-c', ''])) {
    const venv = spawnSync(python, ['-m', 'venv', VENV], { encoding: 'utf8' });
    if (venv.status !== 0) {
      fail(
        `${python} -m venv ${VENV_NAME} failed (${reason(venv)}); on Debian/Ubuntu install python3-venv, or delete ${VENV_NAME} if another Python made it`,
      );
    }
  }
  console.error(`npm test: installing moto and cfn-lint (requirements-test.txt) into ${VENV_NAME}...`);
  const pipArgs = ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input'];
  const pip = spawnSync(venvPython, [...pipArgs, '-r', REQUIREMENTS], { encoding: 'utf8' });
  if (pip.status !== 0) {
    fail(
      `pip could not install requirements-test.txt into ${VENV_NAME} (${reason(pip)}): is the Python package index reachable (network, proxy, PIP_INDEX_URL)?`,
    );
  }
  if (!toolsRun(path.join(VENV, 'bin'))) {
    fail(`requirements-test.txt installed, but moto_server or cfn-lint does not run from ${VENV_NAME}/bin`);
  }
  copyFileSync(REQUIREMENTS, STAMP);
}

const onPath = toolsRun();
const venvReady =
  !onPath && readOrEmpty(STAMP) === readFileSync(REQUIREMENTS, 'utf8') && toolsRun(path.join(VENV, 'bin'));
if (!onPath && !venvReady) install();
