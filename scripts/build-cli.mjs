#!/usr/bin/env node
/**
 * Builds the `enrich-job-watch` CLI into dist/ with esbuild: `dist/main.js` plus one chunk per
 * lazily imported command, so `--help` and `track` never parse the simulator, the SNS client or
 * Powertools. Dependencies are bundled too (one file to parse instead of hundreds of SDK modules);
 * dynalite stays in node_modules, loaded with `require` by local/embedded-dynamodb.ts when used.
 *
 * Runs from `npm install`/`npm ci` (the `prepare` script), `npm start` and the test setup.
 * `--if-possible`: a production-only install has no esbuild; say so and succeed, and let
 * bin/enrich-job-watch.js explain what to do if the CLI is then run.
 *
 * Writes `dist/modules.json` too: the source files in each output file, so a test can tell what
 * a command loaded (test/cli/module-loading.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(REPO_ROOT, 'dist');

/** Lets bundled CommonJS packages (commander, cli-table3...) `require` Node's built-in modules. */
const REQUIRE_SHIM =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/** esbuild's metafile, reduced to: each output file (relative to dist/) and the sources in it. */
function sourcesByOutput(metafile, outdir) {
  const outputs = Object.entries(metafile.outputs).filter(([output]) => !output.endsWith('.map'));
  return Object.fromEntries(
    outputs.map(([output, { inputs }]) => [
      relative(outdir, join(REPO_ROOT, output)).split('\\').join('/'),
      { inputs: Object.keys(inputs).sort() },
    ]),
  );
}

/**
 * Builds into a fresh folder and swaps it in, so a CLI started meanwhile never sees half a build.
 *
 * @returns the dist folder.
 */
async function buildCli() {
  const { build } = await import('esbuild');
  const staging = `${DIST}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    const { metafile } = await build({
      absWorkingDir: REPO_ROOT,
      entryPoints: { main: 'cli/main.ts' },
      outdir: staging,
      chunkNames: 'chunks/[name]-[hash]',
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20.11',
      // The SDK's ES module builds: smaller bundles, and unused exports are dropped.
      mainFields: ['module', 'main'],
      banner: { js: REQUIRE_SHIM },
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'warning',
    });
    await writeFile(
      join(staging, 'modules.json'),
      `${JSON.stringify(sourcesByOutput(metafile, staging), null, 1)}\n`,
    );
    const previous = `${staging}.old`;
    await rename(DIST, previous).catch((error) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rename(staging, DIST).catch((error) => {
      // A build running at the same time swapped its dist/ in first: the same sources, so keep it.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
    await rm(previous, { recursive: true, force: true });
    return DIST;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    import.meta.resolve('esbuild');
  } catch {
    // `--if-possible` (the prepare script): a production-only install has no esbuild, and must not fail.
    const ifPossible = process.argv.includes('--if-possible');
    console.error(
      `enrich-job-watch: esbuild is not installed (a production-only install?), so the CLI ${ifPossible ? 'was not built' : 'cannot be built'}; ` +
        'run npm install with dev dependencies to build it.',
    );
    process.exit(ifPossible ? 0 : 1);
  }
  await buildCli();
}
