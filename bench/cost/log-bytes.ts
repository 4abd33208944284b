/**
 * Log bytes of the poll function, measured: the real handler (`makeHandler` over
 * `pollHandlerDeps`, the production wiring, with the template's POWERTOOLS_* environment) runs
 * in-process against dynalite and the CompanyEnrich simulator, and every byte it writes to
 * stdout and stderr during an invocation is counted. Only SNS is stood in for (it logs nothing
 * itself). Lambda's own START / END / REPORT lines are added from their documented format.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { StaticApiKey } from '../../functions/core/adapters/api-key.js';
import type { PollFunctionConfig } from '../../functions/core/config.js';
import type { createLambdaRuntime } from '../../functions/core/lambda-runtime.js';
import { trackJob } from '../../functions/core/use-cases/track-job.js';
import { createStores } from '../../functions/core/wiring.js';
import { makeHandler, type PollHandlerDeps } from '../../functions/poll/make-handler.js';
import { pollHandlerDeps } from '../../functions/poll/production-deps.js';
import { seededRandom } from '../../local/random.js';
import { CompanyEnrichSimulator } from '../../local/simulator/index.js';
import { startDynalite } from '../../test/support/dynalite.js';
import { createJobsTable, dynamoDbClientFor } from '../../test/support/emulators.js';
import { FakeClock } from '../../test/support/fake-clock.js';

/** What the poll function logs, in bytes. */
export interface LogBytes {
  /** A warm tick that finds nothing due, Lambda's platform lines included. */
  readonly idleTick: number;
  /** What a check that changes nothing adds to a tick. */
  readonly check: number;
  /** What a job's two transitions (started, finished) and their notifications add beyond their checks. */
  readonly transitionsPerJob: number;
}

/** The deployed poll function, as the template configures it. */
export interface LoggingSetup {
  /** Its configuration (table and API URL are replaced by the emulators'). */
  readonly config: PollFunctionConfig;
  /** Its environment: the POWERTOOLS_* variables are set while it runs. */
  readonly environment: Readonly<Record<string, string>>;
  readonly memoryMb: number;
}

const JOBS = 20;
const MINUTE = 60_000;
const API_KEY = 'ce_cost_model_key';
const FUNCTION_NAME = 'EnrichJobWatch-PollerFunctionD1C91003-AbCdEfGhIjKl';
const TRACE_ID = '1-6751a1c0-0123456789abcdef01234567';

/**
 * Lambda's own lines for one invocation (text log format, active tracing): START, END, and
 * REPORT with its XRAY line, with typical values in place.
 */
export function platformLogBytes(memoryMb: number): number {
  const requestId = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
  const lines = [
    `START RequestId: ${requestId} Version: $LATEST\n`,
    `END RequestId: ${requestId}\n`,
    `REPORT RequestId: ${requestId}\tDuration: 123.45 ms\tBilled Duration: 124 ms\tMemory Size: ${memoryMb} MB\tMax Memory Used: 112 MB\t\n` +
      `XRAY TraceId: ${TRACE_ID}\tSegmentId: 0123456789abcdef\tSampled: true\t\n`,
  ];
  return lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0);
}

function lambdaContext(memoryMb: number, requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${FUNCTION_NAME}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${FUNCTION_NAME}`,
    logStreamName: '2026/11/29/[$LATEST]0123456789abcdef0123456789abcdef',
    getRemainingTimeInMillis: () => 50_000,
  } as Context;
}

/** Runs `invoke` with stdout and stderr counted and silenced; returns the bytes written. */
async function countWrites(invoke: () => Promise<unknown>): Promise<number> {
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write.bind(stream));
  let bytes = 0;
  const counting = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  };
  for (const stream of streams) stream.write = counting;
  try {
    await invoke();
  } finally {
    streams.forEach((stream, index) => {
      const original = originals[index];
      if (original) stream.write = original;
    });
  }
  return bytes;
}

/** Powertools reads the trace id and the service from the environment, as in Lambda. */
function withLambdaEnvironment(setup: LoggingSetup): () => void {
  const saved = { ...process.env };
  process.env._X_AMZN_TRACE_ID = `Root=${TRACE_ID};Parent=0123456789abcdef;Sampled=1`;
  for (const [name, value] of Object.entries(setup.environment)) {
    if (name.startsWith('POWERTOOLS_')) process.env[name] = value;
  }
  // As in Lambda, where neither is set (the test setup turns metrics off and logs down).
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  delete process.env.POWERTOOLS_DEV;
  return () => {
    process.env = saved;
  };
}

/**
 * The poll handler's dependencies as production wires them (`pollHandlerDeps`), on dynalite and
 * the simulator, SNS stood in for by notifiers that accept every message.
 */
function handlerDeps(
  setup: LoggingSetup,
  clock: FakeClock,
  dynamoDb: DynamoDBClient,
  tableName: string,
  url: string,
): PollHandlerDeps {
  const config = { ...setup.config, jobsTableName: tableName, apiBaseUrl: url };
  const logger = new Logger();
  const runtime: ReturnType<typeof createLambdaRuntime> = {
    logger,
    clients: {
      dynamoDb,
      sns: new SNSClient({ region: 'us-east-1' }),
      secretsManager: new SecretsManagerClient({ region: 'us-east-1' }),
    },
    clock,
    stores: createStores(dynamoDb, tableName, logger, { retentionMs: config.tick.retentionMs, clock }),
    apiKeys: new StaticApiKey(API_KEY),
  };
  const accept = () => Promise.resolve({ messageId: 'm' });
  const deps = pollHandlerDeps(config, runtime, seededRandom(9));
  return {
    ...deps,
    notifier: { channels: deps.notifier.channels, publish: accept },
    alertNotifier: { channels: deps.alertNotifier.channels, publish: accept },
  };
}

/**
 * Measures the poll function's log bytes: a warm idle tick, then {@link JOBS} one-hour jobs
 * tracked and ticked through their start, an unchanged check each, and their end.
 */
export async function measureLogBytes(setup: LoggingSetup): Promise<LogBytes> {
  const restore = withLambdaEnvironment(setup);
  const dynalite = await startDynalite();
  const clock = new FakeClock('2026-11-29T10:00:00.000Z');
  const simulator = new CompanyEnrichSimulator({ apiKey: API_KEY, clock: () => clock.now(), seed: 9 });
  try {
    const { url } = await simulator.start();
    const client = dynamoDbClientFor(dynalite.endpoint);
    const tableName = await createJobsTable(client);
    const deps = handlerDeps(setup, clock, client, tableName, url);
    const handler = makeHandler(deps);
    let invocations = 0;
    const tick = (): Promise<number> =>
      countWrites(() => {
        invocations += 1;
        const requestId = `00000000-0000-4000-8000-${String(invocations).padStart(12, '0')}`;
        const event = { time: clock.now().toISOString() };
        return handler(event, lambdaContext(setup.memoryMb, requestId));
      });
    await tick(); // the cold start: its extra metric is not a monthly cost
    const idle = await tick();
    for (let index = 0; index < JOBS; index += 1) {
      const jobId = simulator.createJob({
        totalDomains: 1_000,
        createdAt: clock.now(),
        pendingMs: 0,
        processingMs: 60 * MINUTE,
        completingMs: 0,
        outcome: 'completed',
      });
      await trackJob({ jobs: deps.jobs, clock }, { jobId, label: 'Q4 leads', metadata: { team: 'growth' } });
    }
    clock.advance(MINUTE);
    const started = await tick();
    clock.advance(setup.config.tick.maxBackoffMs);
    const unchanged = await tick();
    clock.advance(60 * MINUTE);
    const finished = await tick();
    const check = (unchanged - idle) / JOBS;
    const platform = platformLogBytes(setup.memoryMb);
    return {
      idleTick: idle + platform,
      check,
      transitionsPerJob: (started - idle) / JOBS - check + ((finished - idle) / JOBS - check),
    };
  } finally {
    await simulator.stop();
    await dynalite.stop();
    restore();
  }
}
