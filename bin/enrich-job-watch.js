#!/usr/bin/env node
// Runs the TypeScript CLI directly: tsx's ESM loader compiles cli/*.ts on the fly (and caches it).
import { register } from 'tsx/esm/api';

// The SDK warns on every run that future releases need Node 22; the CLI supports Node >= 20.11.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
const { runCli } = await import('../cli/main.ts');
const exitCode = await runCli(process.argv);
process.exitCode = exitCode;
// Every command has closed what it opened by now. A timer or socket some dependency left behind
// must not hold the finished command open; unref'd, this never delays a clean exit.
setTimeout(() => process.exit(exitCode), 1_000).unref();
