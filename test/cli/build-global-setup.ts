/**
 * The CLI tests run what users run: bin/enrich-job-watch.js on the built dist/. Built once per
 * test run, from the current sources, so no test ever exercises a stale build.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Builds dist/ with the same script `npm install` runs (scripts/build-cli.mjs). */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build-cli.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
}
