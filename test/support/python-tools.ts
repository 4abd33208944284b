import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The Python tools the tests run, each with a cheap call that succeeds only where the tool is really
 * installed (a pyenv shim of a tool installed for another Python version is on PATH, but fails).
 */
const PROBES = {
  moto_server: ['--help'],
  'cfn-lint': ['--version'],
} as const;

export type PythonTool = keyof typeof PROBES;

/**
 * The project-local virtualenv that `npm test` installs requirements-test.txt into when the tools are
 * not on PATH (scripts/check-test-prerequisites.mjs reads the same variable).
 */
export function testVenvDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.ENRICH_JOB_WATCH_VENV || path.join(REPO_ROOT, '.venv');
}

const resolved = new Map<string, string>();

/**
 * The command to spawn for a Python tool: its bare name when it runs from PATH, else the copy in the
 * project's virtualenv, in the same order scripts/check-test-prerequisites.mjs decides to install.
 * Throws when neither exists, naming the set-up step that was skipped.
 */
export function pythonTool(tool: PythonTool, env: NodeJS.ProcessEnv = process.env): string {
  const venvCommand = path.join(testVenvDir(env), 'bin', tool);
  const key = `${tool}\0${env.PATH ?? ''}\0${venvCommand}`;
  const known = resolved.get(key);
  if (known !== undefined) return known;
  const probe = spawnSync(tool, PROBES[tool], { stdio: 'ignore', env });
  const command = probe.error === undefined && probe.status === 0 ? tool : venvCommand;
  if (command === venvCommand && !existsSync(venvCommand)) {
    throw new Error(
      `${tool} is neither on PATH nor in ${path.dirname(venvCommand)}: run npm test once (it installs requirements-test.txt there), or pip install -r requirements-test.txt`,
    );
  }
  resolved.set(key, command);
  return command;
}
