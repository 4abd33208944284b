#!/usr/bin/env node
// `npm test` talks to real-protocol emulators (moto) and lints templates with cfn-lint, both
// from Python. Missing tools must stop the run with one clear line, never skip tests silently.
import { spawnSync } from 'node:child_process';

const tools = [
  { command: 'moto_server', args: ['--help'], install: "pip install 'moto[server]==5.2.1'" },
  { command: 'cfn-lint', args: ['--version'], install: 'pip install cfn-lint==1.51.0' },
];

const missing = tools.filter(({ command, args }) => {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return result.error !== undefined || result.status !== 0;
});

if (missing.length > 0) {
  console.error(
    `npm test needs ${missing.map((tool) => tool.command).join(' and ')} on PATH; install with: ${missing
      .map((tool) => tool.install)
      .join(' && ')}`,
  );
  process.exit(1);
}
