import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing, type IDestination } from 'aws-cdk-lib/aws-lambda';
import {
  NodejsFunction,
  OutputFormat,
  SourceMapMode,
  type BundlingOptions,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DEFAULT_METRICS_IDENTITY, type MetricsIdentity } from '../telemetry.js';

/** The repository root: function entries are relative to it, and its lock file pins what gets bundled. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Powertools log levels (POWERTOOLS_LOG_LEVEL). */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What every function of the app shares unless its construct says otherwise. */
export const FUNCTION_DEFAULTS = {
  runtime: Runtime.NODEJS_22_X,
  architecture: Architecture.ARM_64,
  memorySize: 256,
  timeout: Duration.seconds(30),
  tracing: Tracing.ACTIVE,
  logRetention: RetentionDays.ONE_MONTH,
  logLevel: 'INFO' satisfies LogLevel,
  /** Lambda's retries of a failed asynchronous invocation. */
  retryAttempts: 2,
  /** How long Lambda keeps trying an asynchronous invocation (throttled or retried). */
  maxEventAge: Duration.hours(6),
} as const;

/**
 * Module swaps in the Lambda bundles: the SDK's default credential chain becomes the environment
 * provider Lambda needs (functions/core/lambda-credentials.ts says why). The bench bundles with
 * the same map, so the size it reports is the deployed one.
 */
export const LAMBDA_BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': path.join(REPO_ROOT, 'functions/core/lambda-credentials.ts'),
};

/**
 * esbuild from node_modules, run locally (CDK falls back to Docker only when it finds no esbuild):
 * one minified ESM file per function with its source map, AWS SDK included so the lock file, not
 * the Lambda runtime, decides its version. The banner gives bundled CommonJS dependencies the
 * `require` ESM lacks; `--alias` swaps in {@link LAMBDA_BUNDLE_ALIASES}.
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
  // CDK turns this into one `--alias:module=path` argument per entry.
  esbuildArgs: Object.fromEntries(
    Object.entries(LAMBDA_BUNDLE_ALIASES).map(([module, stand]) => [`--alias:${module}`, stand]),
  ),
};

/** The environment every function gets; `environment` props are added on top. */
export function baseEnvironment(identity: MetricsIdentity, logLevel: LogLevel): Record<string, string> {
  return {
    NODE_OPTIONS: '--enable-source-maps',
    // Read by Powertools Logger/Metrics/Tracer; the alarms address metrics with the same identity.
    POWERTOOLS_SERVICE_NAME: identity.service,
    POWERTOOLS_METRICS_NAMESPACE: identity.namespace,
    POWERTOOLS_LOG_LEVEL: logLevel,
  };
}

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
  /** How long Lambda keeps an asynchronous invocation it could not run yet (1 min - 6 h). @default Duration.hours(6) */
  readonly maxEventAge?: Duration;
  /**
   * Where an asynchronous invocation goes once its retries and `maxEventAge` are spent.
   * @default - none: Lambda drops it
   */
  readonly onFailure?: IDestination;
  /**
   * Concurrent executions reserved for (and capping) the function. Reserving takes them from the
   * account's unreserved pool, which must stay at 10 or more, so a new account with the default
   * quota of 10 cannot reserve any: request a higher concurrency quota, or pass `undefined`.
   * @default - none reserved (no cap)
   */
  readonly reservedConcurrency?: number;
  /** Added to {@link baseEnvironment}. @default - none */
  readonly environment?: Record<string, string>;
  /** Namespace and service of its metrics (POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME). @default DEFAULT_METRICS_IDENTITY */
  readonly metricsIdentity?: MetricsIdentity;
  /** POWERTOOLS_LOG_LEVEL. @default 'INFO' */
  readonly logLevel?: LogLevel;
  /** @default FUNCTION_DEFAULTS.logRetention (one month) */
  readonly logRetention?: RetentionDays;
  /** What happens to the log group when it leaves the stack. @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * A Node.js function with the app's defaults, its own log group (`<id>Logs`) and its own role
 * (`<id>Role`), all created in `scope` next to the function.
 *
 * The role starts with exactly two permissions, not the AWSLambdaBasicExecutionRole managed
 * policy (which allows writing to every log group): creating streams in and writing to this
 * function's log group. X-Ray tracing adds its own. Everything else is granted by the
 * constructs that own the resources.
 */
export function createAppFunction(scope: Construct, id: string, props: AppFunctionProps): NodejsFunction {
  const logGroup = new LogGroup(scope, `${id}Logs`, {
    retention: props.logRetention ?? FUNCTION_DEFAULTS.logRetention,
    removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
  });
  const role = new Role(scope, `${id}Role`, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: `${props.description ?? id}: execution role`,
  });
  // The log group's ARN (`...:log-group:<name>:*`) is the narrowest that covers the streams
  // Lambda names at run time.
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  const fn = new NodejsFunction(scope, id, {
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
    retryAttempts: props.retryAttempts ?? FUNCTION_DEFAULTS.retryAttempts,
    maxEventAge: props.maxEventAge ?? FUNCTION_DEFAULTS.maxEventAge,
    onFailure: props.onFailure,
    reservedConcurrentExecutions: props.reservedConcurrency,
    role,
    logGroup,
    bundling: BUNDLING,
    environment: {
      ...baseEnvironment(
        props.metricsIdentity ?? DEFAULT_METRICS_IDENTITY,
        props.logLevel ?? FUNCTION_DEFAULTS.logLevel,
      ),
      ...props.environment,
    },
  });
  // Only the X-Ray statement CDK adds for active tracing has a wildcard (cdk-nag checks the rest).
  Validations.of(role.node.findChild('DefaultPolicy')).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so AWS documents Resource "*" for them; no other statement of this role has a wildcard.',
  });
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'nodejs22.x is pinned on purpose: the bundle targets node22 and that is the runtime the project supports and tests for; moving to a newer Node.js runtime is a deliberate, tested upgrade, not something a template default should do.',
  });
  return fn;
}

/**
 * A queue where failed deliveries end: SQS-managed encryption, TLS only, kept 14 days (SQS's
 * longest). cdk-nag's AwsSolutions-SQS3 wants a dead-letter queue behind every queue; this one is
 * itself the end, and `whyItEndsHere` says whose failures it holds, for the acknowledgement.
 */
export function terminalQueue(scope: Construct, id: string, whyItEndsHere: string): Queue {
  const queue = new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: whyItEndsHere });
  return queue;
}
