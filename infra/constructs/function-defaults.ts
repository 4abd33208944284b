import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import {
  NodejsFunction,
  OutputFormat,
  SourceMapMode,
  type BundlingOptions,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** The repository root: function entries are relative to it, and its lock file pins what gets bundled. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What every function of the app shares unless its construct says otherwise. */
export const FUNCTION_DEFAULTS = {
  runtime: Runtime.NODEJS_22_X,
  architecture: Architecture.ARM_64,
  memorySize: 256,
  timeout: Duration.seconds(30),
  tracing: Tracing.ACTIVE,
  logRetention: RetentionDays.ONE_MONTH,
} as const;

/** Read by Powertools Logger/Metrics/Tracer (the handler's explicit options, where given, must agree). */
export const POWERTOOLS_ENVIRONMENT = {
  POWERTOOLS_SERVICE_NAME: 'enrich-job-watch',
  POWERTOOLS_METRICS_NAMESPACE: 'EnrichJobWatch',
  POWERTOOLS_LOG_LEVEL: 'INFO',
} as const;

/**
 * esbuild from node_modules, run locally (CDK falls back to Docker only when it finds no esbuild):
 * one minified ESM file per function, AWS SDK included so the lock file, not the Lambda runtime,
 * decides its version. The banner gives bundled CommonJS dependencies the `require` ESM lacks.
 */
export const BUNDLING: BundlingOptions = {
  forceDockerBundling: false,
  format: OutputFormat.ESM,
  target: 'node22',
  mainFields: ['module', 'main'],
  banner:
    "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  externalModules: [],
  minify: true,
  sourceMap: true,
  sourceMapMode: SourceMapMode.DEFAULT,
  sourcesContent: false,
};

export interface AppFunctionProps {
  /** Handler file, relative to the repository root (e.g. `functions/poll/handler.ts`). */
  readonly entry: string;
  /** Name of the exported handler. @default 'handler' */
  readonly handler?: string;
  /** Shown in the console. @default - none */
  readonly description?: string;
  /** @default FUNCTION_DEFAULTS.memorySize (256 MB) */
  readonly memorySize?: number;
  /** @default FUNCTION_DEFAULTS.timeout (30 s) */
  readonly timeout?: Duration;
  /** Lambda's retries of a failed asynchronous invocation (0-2). @default 2 */
  readonly retryAttempts?: number;
  /** Added to the defaults (NODE_OPTIONS and the Powertools variables). @default - none */
  readonly environment?: Record<string, string>;
  /** @default FUNCTION_DEFAULTS.logRetention (one month) */
  readonly logRetention?: RetentionDays;
  /** What happens to the log group when it leaves the stack. @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * A Node.js function with the app's defaults and its own log group (`<id>Logs`, created in
 * `scope` next to the function).
 */
export function createAppFunction(scope: Construct, id: string, props: AppFunctionProps): NodejsFunction {
  const logGroup = new LogGroup(scope, `${id}Logs`, {
    retention: props.logRetention ?? FUNCTION_DEFAULTS.logRetention,
    removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
  });
  return new NodejsFunction(scope, id, {
    entry: path.join(REPO_ROOT, props.entry),
    handler: props.handler ?? 'handler',
    projectRoot: REPO_ROOT,
    depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
    description: props.description,
    runtime: FUNCTION_DEFAULTS.runtime,
    architecture: FUNCTION_DEFAULTS.architecture,
    memorySize: props.memorySize ?? FUNCTION_DEFAULTS.memorySize,
    timeout: props.timeout ?? FUNCTION_DEFAULTS.timeout,
    tracing: FUNCTION_DEFAULTS.tracing,
    retryAttempts: props.retryAttempts,
    logGroup,
    bundling: BUNDLING,
    environment: {
      NODE_OPTIONS: '--enable-source-maps',
      ...POWERTOOLS_ENVIRONMENT,
      ...props.environment,
    },
  });
}
