#!/usr/bin/env node
// Runs the built CLI (dist/, made by scripts/build-cli.mjs from `npm install`, `npm start` and the
// tests). Plain JavaScript: nothing is compiled at run time, and each command loads its own chunk.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/main.js', import.meta.url);
if (!existsSync(fileURLToPath(built))) {
  // `npm install --ignore-scripts`, or a production-only install (no esbuild, so no build).
  process.stderr.write(
    `error: the CLI is not built (${fileURLToPath(built)} is missing); ` +
      `run \`npm install\` (with dev dependencies) or \`npm run build\` in ${fileURLToPath(new URL('..', import.meta.url))}\n`,
  );
  process.exit(1);
}

// The SDK warns on every run that future releases need Node 22; the CLI supports Node >= 20.11.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// `enrich-job-watch list | head`: the reader leaving early is no failure of the command, which
// finishes (and closes what it opened) as usual.
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') throw error;
});

const { runCli } = await import(built.href);
const exitCode = await runCli(process.argv);
process.exitCode = exitCode;
// Every command has closed what it opened by now. A timer or socket some dependency left behind
// must not hold the finished command open; unref'd, this never delays a clean exit.
setTimeout(() => process.exit(exitCode), 1_000).unref();
