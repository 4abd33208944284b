// Preloaded into a CLI process (NODE_OPTIONS=--import=<this file>) by the loading test: writes the
// URL of every ES module the process loads, and at exit every CommonJS file it required, one per
// line, to the file named by EJW_RECORD_LOADED_MODULES.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';

const output = process.env.EJW_RECORD_LOADED_MODULES;

/** Module hook (runs on the loader thread): records each module as it is loaded. */
export async function load(url, context, nextLoad) {
  if (output) appendFileSync(output, `${url}\n`);
  return nextLoad(url, context);
}

if (isMainThread && output) {
  register(import.meta.url);
  const requireCache = createRequire(import.meta.url).cache;
  process.on('exit', () => {
    const required = Object.keys(requireCache).map((path) => pathToFileURL(path).href);
    appendFileSync(output, required.map((url) => `${url}\n`).join(''));
  });
}
