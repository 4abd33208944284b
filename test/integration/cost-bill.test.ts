import { beforeAll, describe, expect, it } from 'vitest';
import { costModelInputs } from '../../bench/cost-model.js';
import { total, watcherBill, type CostLine } from '../../bench/cost/bill.js';
import type { CostInputs } from '../../bench/cost/inputs.js';
import { measureLogBytes } from '../../bench/cost/log-bytes.js';
import { loadPollFunctionConfig } from '../../functions/core/config.js';
import { MONTH, PRICES } from '../../bench/cost/prices.js';
import { synthesizeDefaultTemplate, templateFacts } from '../../bench/cost/template-facts.js';

const line = (lines: readonly CostLine[], item: string): CostLine => {
  const found = lines.find((candidate) => candidate.item === item);
  if (!found) throw new Error(`no line ${item} in ${lines.map((l) => l.item).join(', ')}`);
  return found;
};

describe('the monthly cost model, line by line', () => {
  let inputs: CostInputs;

  beforeAll(async () => {
    inputs = await costModelInputs();
  });

  it('bills the DynamoDB writes of the checks the ETA cadence makes, at writeUnitsPerCheck() each', () => {
    const writes = line(watcherBill(inputs, 10_000), 'DynamoDB writes');
    const expected =
      (10_000 * inputs.checksPerJob * inputs.writeUnitsPerCheck * PRICES.dynamoWritePerMillion) / 1e6;
    expect(writes.dollars).toBeCloseTo(expected, 10);
    // The age-based cadence checked a one-hour job 39 times; the ETA cadence far fewer.
    expect(inputs.checksPerJob).toBeLessThan(39 / 2);
  });

  it('reads a secret once per key cache lifetime while warm, once per tick without a cache', () => {
    const pollerOnly = { ...inputs, template: { ...inputs.template, apiFunctions: [] } };
    const reads = (cacheSeconds: number): string =>
      line(
        watcherBill({ ...pollerOnly, keyCacheSeconds: { [inputs.template.poller.id]: cacheSeconds } }, 100),
        'Secrets Manager',
      ).quantity;
    expect(reads(300)).toContain('8,640 reads');
    expect(reads(3_600)).toContain('720 reads');
    expect(reads(0)).toContain('43,200 reads');
  });

  it('bills KMS requests for encrypted topics whatever their key, one data key per publish at most', () => {
    const kms = (kmsKeys: number, encryptedTopics: number, jobs: number): CostLine =>
      line(
        watcherBill({ ...inputs, template: { ...inputs.template, kmsKeys, encryptedTopics } }, jobs),
        'KMS',
      );
    expect(kms(0, 4, 100).quantity).toBe('0 keys, 600 requests');
    expect(kms(1, 4, 100).dollars).toBeCloseTo(PRICES.kmsKeyMonthly + (600 / 1e4) * PRICES.kmsPer10k, 10);
    // One topic: a data key per 5 minutes at most, however many publishes.
    expect(kms(0, 1, 10_000).quantity).toBe('0 keys, 17,280 requests');
    expect(kms(0, 0, 10_000).dollars).toBe(0);
  });

  it('prorates a custom metric series by the hours it is published', () => {
    const billFor = (published: 'always' | 'checks' | 'problems', jobs: number): number =>
      line(
        watcherBill({ ...inputs, metricSeries: [{ name: 'M', dimensions: ['service'], published }] }, jobs),
        'CloudWatch custom metrics',
      ).dollars;
    expect(billFor('always', 100)).toBeCloseTo(PRICES.customMetricMonthly, 10);
    expect(billFor('checks', 100)).toBeCloseTo((100 / MONTH.hours) * PRICES.customMetricMonthly, 10);
    expect(billFor('checks', 10_000)).toBeCloseTo(PRICES.customMetricMonthly, 10);
    expect(billFor('problems', 10_000)).toBeCloseTo((24 / MONTH.hours) * PRICES.customMetricMonthly, 10);
  });

  it('bills an Events rule schedule at nothing and EventBridge Scheduler per invocation', () => {
    const scheduled = line(watcherBill(inputs, 100), 'EventBridge Scheduler');
    expect(scheduled.dollars).toBeCloseTo((MONTH.seconds / 60) * 1e-6, 10);
    const ruled = watcherBill({ ...inputs, template: { ...inputs.template, schedule: 'rule' } }, 100);
    expect(line(ruled, 'EventBridge rule').dollars).toBe(0);
    expect(total(ruled)).toBeCloseTo(total(watcherBill(inputs, 100)) - scheduled.dollars, 10);
  });

  it('counts an imported API-key secret given by context', () => {
    const imported = templateFacts(
      synthesizeDefaultTemplate({
        apiKeySecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:companyenrich/api-key-AbCdEf',
      }),
    );
    expect(imported.secrets).toEqual({
      created: inputs.template.secrets.created - 1,
      imported: inputs.template.secrets.imported + 1,
    });
  });
});

describe('the template count', () => {
  const alarm = (properties: Record<string, unknown>) => ({
    Type: 'AWS::CloudWatch::Alarm',
    Properties: properties,
  });
  const base = {
    Poller: { Type: 'AWS::Lambda::Function', Properties: { MemorySize: 512 } },
    Schedule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        ScheduleExpression: 'rate(1 minute)',
        Targets: [{ Arn: { 'Fn::GetAtt': ['Poller', 'Arn'] } }],
      },
    },
  };

  it('bills a metric alarm for one metric and a metric-math alarm for each metric it reads', () => {
    const stat = { MetricStat: { Metric: { MetricName: 'ApiErrors' }, Period: 60, Stat: 'Sum' } };
    const facts = templateFacts({
      ...base,
      Plain: alarm({ MetricName: 'Errors', Namespace: 'AWS/Lambda' }),
      Math: alarm({ Metrics: [{ Id: 'e', Expression: 'm0 + m1 + m2' }, stat, stat, stat] }),
    });
    expect(facts).toMatchObject({ alarms: 2, alarmMetrics: 4, schedule: 'rule' });
    expect(facts.poller).toMatchObject({ memoryMb: 512, activeTracing: false });
  });
});

describe('the measured log bytes', () => {
  it('count what the poll handler logs: a quieter log level writes fewer bytes per tick', async () => {
    const environment = {
      JOBS_TABLE_NAME: 'jobs',
      EVENTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:events',
      OPERATOR_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:operator',
      COMPANYENRICH_API_KEY_SECRET_ARN: 'companyenrich/api-key',
      POWERTOOLS_SERVICE_NAME: 'enrich-job-watch',
      POWERTOOLS_METRICS_NAMESPACE: 'EnrichJobWatch',
    };
    const setup = { config: loadPollFunctionConfig(environment), memoryMb: 256 };
    const measure = (level: string) =>
      measureLogBytes({ ...setup, environment: { ...environment, POWERTOOLS_LOG_LEVEL: level } });
    const info = await measure('INFO');
    const errorsOnly = await measure('ERROR');
    expect(errorsOnly.idleTick).toBeLessThan(info.idleTick);
    expect(errorsOnly.transitionsPerJob).toBeLessThan(info.transitionsPerJob);
    expect(info.check).toBeGreaterThan(0);
  });
});
