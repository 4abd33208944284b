import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CUSTOM_METRIC_SERIES } from '../../functions/contract.js';
import type { TickSummary } from '../../functions/core/use-cases/poll-tick.js';
import { makeHandler } from '../../functions/poll/make-handler.js';
import { baseEnvironment } from '../../infra/constructs/function-defaults.js';
import { Operations } from '../../infra/constructs/operations.js';
import type { MetricsIdentity } from '../../infra/telemetry.js';
import { httpLambdaContext } from '../support/api-gateway-event.js';
import { captureOutput, type JsonLine } from '../support/captured-output.js';
import { MINUTE, startWatcher, type Watcher } from '../support/watcher-harness.js';
import type { Resource } from './fixture.js';

/**
 * The contract between what the poll function publishes and what the alarms read, and its price:
 * a CloudWatch metric is addressed by namespace, name and its exact set of dimensions (one too
 * many or too few and an alarm watches a series that never gets data), and every series
 * published in an hour is billed for that hour. `CUSTOM_METRIC_SERIES` declares the series; this
 * file runs real ticks through the handler and reads the EMF it writes.
 */

const IDENTITY: MetricsIdentity = {
  namespace: 'EnrichJobWatchContract',
  service: 'enrich-job-watch-contract',
};

/** The declared series, written out: a change to the contract must show up here too. */
const DECLARED = {
  JobsChecked: 'checks',
  ApiAccessErrors: 'problems',
  ApiDegradedErrors: 'problems',
  ThrottledHalts: 'problems',
  PublishFailures: 'problems',
  OldestOwedNotificationSeconds: 'problems',
} as const;

interface EmfDocument {
  _aws: {
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit?: string }[];
    }[];
  };
  [key: string]: unknown;
}

/** One published datapoint: its series (name and dimensions) and value. */
interface Datapoint {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  value: unknown;
}

function datapoints(json: readonly JsonLine[]): Datapoint[] {
  const documents = json.filter((line): line is EmfDocument => '_aws' in line);
  return documents.flatMap((document) =>
    document._aws.CloudWatchMetrics.flatMap((directive) =>
      directive.Dimensions.flatMap((dimensionSet) =>
        directive.Metrics.map((metric) => ({
          namespace: directive.Namespace,
          name: metric.Name,
          dimensions: Object.fromEntries(dimensionSet.map((name) => [name, String(document[name])])),
          value: document[metric.Name],
        })),
      ),
    ),
  );
}

/** What the summary says each series must carry in this tick; absent when zero. */
function expectedDatapoints(summary: TickSummary): Record<string, number> {
  const errors = (...kinds: string[]) =>
    kinds.reduce((total, kind) => total + (summary.errors[kind] ?? 0), 0);
  const all = {
    JobsChecked: summary.checked,
    ApiAccessErrors: errors('unauthorized', 'payment_required', 'forbidden', 'api_key_unavailable'),
    ApiDegradedErrors: errors(
      'server_error',
      'unexpected_http_status',
      'timeout',
      'network',
      'malformed',
      'mismatched',
    ),
    ThrottledHalts: summary.halted === 'throttled' ? 1 : 0,
    PublishFailures: errors('publish_failed'),
    OldestOwedNotificationSeconds: summary.oldestOwedSeconds,
  };
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value > 0));
}

describe('the custom metric series the poll function publishes', () => {
  let watcher: Watcher;
  /** Every tick's summary and what it wrote. */
  const ticks: { summary: TickSummary; points: Datapoint[]; text: string[] }[] = [];

  beforeEach(async () => {
    for (const [name, value] of Object.entries(baseEnvironment(IDENTITY, 'INFO'))) vi.stubEnv(name, value);
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    watcher = await startWatcher();
    ticks.length = 0;
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await watcher.stop();
  });

  /** One scheduled invocation of the handler, as deployed: a Metrics configured by the environment. */
  async function tick(afterMs = MINUTE): Promise<{ summary: TickSummary; points: Datapoint[] }> {
    watcher.clock.advance(afterMs);
    const handler = makeHandler({
      ...watcher.deps,
      logger: new Logger({ logLevel: 'WARN' }),
      metrics: new Metrics(),
    });
    const { result, json, text } = await captureOutput(() =>
      handler({ time: watcher.clock.now().toISOString() }, httpLambdaContext(50_000, 'poll')),
    );
    const run = { summary: result, points: datapoints(json), text };
    ticks.push(run);
    return run;
  }

  const names = (points: readonly Datapoint[]): string[] => points.map((point) => point.name).sort();
  const longJob = { totalDomains: 10, pendingMs: 0, processingMs: 60 * MINUTE, completingMs: 0 } as const;

  it('are exactly the declared ones, each with its declared dimensions; problem series only in ticks with problems', async () => {
    expect(Object.fromEntries(CUSTOM_METRIC_SERIES.map((series) => [series.name, series.published]))).toEqual(
      DECLARED,
    );

    // Idle: nothing to publish, and nothing said about it (Powertools would warn every tick).
    const idle = await tick(0);
    expect(idle.points).toEqual([]);
    expect(ticks[0]?.text.filter((line) => /metric/i.test(line))).toEqual([]);

    // Healthy: the `checks` series only.
    await watcher.createAndTrack({ ...longJob, outcome: 'completed' });
    const healthy = await tick();
    expect(healthy.summary.checked).toBe(1);
    expect(names(healthy.points)).toEqual(['JobsChecked']);

    // CompanyEnrich answers 500.
    const failing = await watcher.createAndTrack({ ...longJob, outcome: 'completed' });
    watcher.simulator.injectFault(failing, { kind: 'http', status: 500 }, Infinity);
    expect(names((await tick()).points)).toContain('ApiDegradedErrors');

    // SNS refuses a notification: it fails, then stays owed.
    await watcher.breakTopic('email');
    await watcher.createAndTrack({
      totalDomains: 5,
      pendingMs: 0,
      processingMs: 0,
      completingMs: 0,
      outcome: 'completed',
    });
    expect(names((await tick()).points)).toContain('PublishFailures');
    expect(names((await tick()).points)).toContain('OldestOwedNotificationSeconds');
    await watcher.repairTopic('email');

    // CompanyEnrich throttles the watcher.
    const throttled = await watcher.createAndTrack({ ...longJob, outcome: 'completed' });
    watcher.simulator.injectFault(
      throttled,
      { kind: 'http', status: 429, headers: { 'retry-after': '60' } },
      1,
    );
    expect(names((await tick(5 * MINUTE)).points)).toContain('ThrottledHalts');

    // CompanyEnrich refuses the key.
    watcher.simulator.setApiKey('ce_live_another_key_entirely');
    await watcher.createAndTrack({ ...longJob, outcome: 'completed' });
    expect(names((await tick(5 * MINUTE)).points)).toContain('ApiAccessErrors');

    const published = ticks.flatMap((run) => run.points);
    for (const point of published) {
      const declared = CUSTOM_METRIC_SERIES.find((series) => series.name === point.name);
      expect(declared, `${point.name} is published but not declared`).toBeDefined();
      expect(point.namespace).toBe(IDENTITY.namespace);
      expect(Object.keys(point.dimensions).sort()).toEqual([...(declared?.dimensions ?? [])].sort());
      expect(point.dimensions.service).toBe(IDENTITY.service);
    }
    expect([...new Set(published.map((point) => point.name))].sort()).toEqual(Object.keys(DECLARED).sort());
    // Every tick: exactly the series its summary has non-zero, with those values.
    for (const run of ticks) {
      expect(Object.fromEntries(run.points.map((point) => [point.name, point.value]))).toEqual(
        expectedDatapoints(run.summary),
      );
    }
  });

  it('report the owed age in seconds', async () => {
    await watcher.breakTopic('email');
    await watcher.createAndTrack({
      totalDomains: 5,
      pendingMs: 0,
      processingMs: 0,
      completingMs: 0,
      outcome: 'completed',
    });
    await tick();
    const { summary } = await tick(2 * MINUTE);
    expect(summary.oldestOwedSeconds).toBe(120);
    const documents = ticks.at(-1)?.points.filter((point) => point.name === 'OldestOwedNotificationSeconds');
    expect(documents?.map((point) => point.value)).toEqual([120]);
  });
});

/** Every custom-namespace series the alarms of {@link Operations} read. */
function alarmedSeries(template: Template): { name: string; dimensions: Record<string, string> }[] {
  type Metric = { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: string }[] };
  return Object.values(template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>)
    .flatMap(({ Properties: alarm }) =>
      alarm.Metrics !== undefined
        ? (alarm.Metrics as { MetricStat?: { Metric: Metric } }[]).flatMap((query) =>
            query.MetricStat ? [query.MetricStat.Metric] : [],
          )
        : [alarm as unknown as Metric],
    )
    .filter((metric) => metric.Namespace === IDENTITY.namespace)
    .map((metric) => ({
      name: metric.MetricName,
      dimensions: Object.fromEntries((metric.Dimensions ?? []).map(({ Name, Value }) => [Name, Value])),
    }));
}

describe('the alarms', () => {
  let template: Template;
  beforeAll(() => {
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Contract');
    new Operations(stack, 'Operations', {
      pollFunction: LambdaFunction.fromFunctionArn(
        stack,
        'Poll',
        'arn:aws:lambda:us-east-1:123456789012:function:poll',
      ),
      pollTimeout: Duration.seconds(50),
      pollInterval: Duration.minutes(1),
      deadLetterQueue: Queue.fromQueueArn(stack, 'Dlq', 'arn:aws:sqs:us-east-1:123456789012:dlq'),
      httpApi: HttpApi.fromHttpApiAttributes(stack, 'Api', { httpApiId: 'a1b2c3d4e5' }),
      webhookFunction: LambdaFunction.fromFunctionArn(
        stack,
        'Webhook',
        'arn:aws:lambda:us-east-1:123456789012:function:webhook',
      ),
      alarmAction: new SnsAction(
        Topic.fromTopicArn(stack, 'Operator', 'arn:aws:sns:us-east-1:123456789012:operator'),
      ),
      metricsIdentity: IDENTITY,
      logGroups: {
        poll: LogGroup.fromLogGroupName(stack, 'PollLogs', '/aws/lambda/poll'),
        api: LogGroup.fromLogGroupName(stack, 'ApiLogs', '/aws/lambda/api'),
        webhook: LogGroup.fromLogGroupName(stack, 'WebhookLogs', '/aws/lambda/webhook'),
      },
    });
    template = Template.fromStack(stack);
  });

  it('read every declared series, each once, with exactly its declared dimensions, and nothing else', () => {
    const read = alarmedSeries(template);
    expect(read.map((series) => series.name).sort()).toEqual(
      CUSTOM_METRIC_SERIES.map((series) => series.name).sort(),
    );
    for (const series of read) {
      expect(series.dimensions).toEqual({ service: IDENTITY.service });
    }
  });
});
