/**
 * Everything the bill is computed from, gathered from the code: the synthesized template, the
 * poll function's configuration as the template sets it, the cadence replay, the custom metric
 * series the contract declares, and the log bytes measured on the real handler.
 */
import { CUSTOM_METRIC_SERIES, ENVIRONMENT } from '../../functions/contract.js';
import { loadConfig, loadPollFunctionConfig, type PollFunctionConfig } from '../../functions/core/config.js';
import { BENCH_POLICY } from '../polling/strategies.js';
import { checksPerOneHourJob } from './checks-per-job.js';
import { measureLogBytes, type LogBytes } from './log-bytes.js';
import {
  synthesizeDefaultTemplate,
  templateFacts,
  type FunctionFacts,
  type TemplateFacts,
} from './template-facts.js';

/** The model's inputs; each is counted or measured, none typed in. */
export interface CostInputs {
  readonly template: TemplateFacts;
  readonly poller: PollFunctionConfig;
  readonly checksPerJob: number;
  readonly writeUnitsPerCheck: number;
  readonly logBytes: LogBytes;
  readonly metricSeries: typeof CUSTOM_METRIC_SERIES;
  /** Each function's key cache lifetime (API_KEY_CACHE_SECONDS as its loader reads it), by logical id. */
  readonly keyCacheSeconds: Readonly<Record<string, number>>;
}

/** A syntactically valid stand-in for a value CloudFormation fills in at deploy time. */
function placeholder(variable: string): string {
  if (variable === ENVIRONMENT.webhookBaseUrl)
    return 'https://abcdef1234.execute-api.us-east-1.amazonaws.com';
  if (variable.endsWith('TOPIC_ARN')) return `arn:aws:sns:us-east-1:123456789012:${variable.toLowerCase()}`;
  return `placeholder-${variable.toLowerCase()}`;
}

/** The function's environment as Lambda sees it, references replaced by stand-ins. */
export function deployedEnvironment(fn: FunctionFacts): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fn.environment).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : placeholder(name),
    ]),
  );
}

/**
 * The poll function's configuration parsed by its own loader from the template's environment.
 * The cadence replay runs on the polling benchmark's policy, so a default that moves away from
 * it must move the benchmark too.
 */
function pollerConfig(template: TemplateFacts): PollFunctionConfig {
  const config = loadPollFunctionConfig(deployedEnvironment(template.poller));
  const { pollIntervalMs, maxBackoffMs } = config.tick;
  if (pollIntervalMs !== BENCH_POLICY.pollIntervalMs || maxBackoffMs !== BENCH_POLICY.maxBackoffMs) {
    throw new Error(
      `The stack polls every ${pollIntervalMs} ms with a ${maxBackoffMs} ms maximum gap, the polling ` +
        'benchmark (BENCH_POLICY) assumes otherwise: align bench/polling/strategies.ts',
    );
  }
  return config;
}

/**
 * Gathers the inputs (a few seconds: one synthesis, one replay, one measured run on dynalite).
 *
 * @param writeUnitsPerCheck - DynamoDB write units of one check, from `writeUnitsPerCheck()`.
 */
export async function gatherCostInputs(writeUnitsPerCheck: number): Promise<CostInputs> {
  const template = templateFacts(synthesizeDefaultTemplate());
  const poller = pollerConfig(template);
  const environment = deployedEnvironment(template.poller);
  const logBytes = await measureLogBytes({ config: poller, environment, memoryMb: template.poller.memoryMb });
  return {
    template,
    poller,
    checksPerJob: checksPerOneHourJob(),
    writeUnitsPerCheck,
    logBytes,
    metricSeries: CUSTOM_METRIC_SERIES,
    keyCacheSeconds: Object.fromEntries(
      [template.poller, ...template.apiFunctions].map((fn) => [
        fn.id,
        loadConfig(deployedEnvironment(fn)).apiKeyCacheSeconds,
      ]),
    ),
  };
}
