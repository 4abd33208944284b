import { describe, expect, it } from 'vitest';
import { loadConfig, loadPollFunctionConfig } from '../../functions/core/config.js';
import { ConfigError } from '../../functions/core/domain/errors.js';

const LAMBDA_ENV = {
  JOBS_TABLE_NAME: 'enrich-jobs',
  EVENTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:enrich-events',
  OPERATOR_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:enrich-operator',
  COMPANYENRICH_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:enrich-key-AbCdEf',
};

describe('loadConfig', () => {
  it('applies documented defaults', () => {
    const config = loadPollFunctionConfig(LAMBDA_ENV);
    expect(config.apiBaseUrl).toBe('https://api.companyenrich.com');
    expect(config.topics).toEqual({ events: LAMBDA_ENV.EVENTS_TOPIC_ARN });
    expect(config.operatorTopicArn).toBe(LAMBDA_ENV.OPERATOR_TOPIC_ARN);
    expect(config.apiKeySource).toEqual({
      kind: 'secret',
      secretId: LAMBDA_ENV.COMPANYENRICH_API_KEY_SECRET_ARN,
    });
    expect(config.tick).toEqual({
      pollIntervalMs: 60_000,
      maxBackoffMs: 1_800_000,
      notFoundLimit: 3,
      notificationLeaseMs: 300_000,
      retentionMs: 90 * 86_400_000,
      concurrency: 32,
      requestsPerSecond: null,
      pageSize: 100,
      requestTimeoutMs: 8_000,
    });
  });

  it('caps status requests per second when STATUS_RATE_LIMIT is set, and names a bad value', () => {
    expect(loadConfig({ ...LAMBDA_ENV, STATUS_RATE_LIMIT: '25' }).tick.requestsPerSecond).toBe(25);
    expect(() => loadConfig({ ...LAMBDA_ENV, STATUS_RATE_LIMIT: '-1' })).toThrow(
      'STATUS_RATE_LIMIT must be a whole number from 0 to 10000 (got "-1")',
    );
  });

  it('names the bad variable and the value it got', () => {
    expect(() => loadConfig({ ...LAMBDA_ENV, CHECK_CONCURRENCY: 'lots' })).toThrow(
      'CHECK_CONCURRENCY must be a whole number from 1 to 64 (got "lots")',
    );
    expect(() => loadConfig({ ...LAMBDA_ENV, SMS_TOPIC_ARN: 'my-topic' })).toThrow(
      'SMS_TOPIC_ARN must be an SNS topic ARN (got "my-topic")',
    );
    expect(() => loadConfig({ COMPANYENRICH_API_URL: 'ftp://example.com' })).toThrow(/COMPANYENRICH_API_URL/);
  });

  it('reports every missing requirement of the poll function at once', () => {
    let error: unknown;
    try {
      loadPollFunctionConfig({});
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('JOBS_TABLE_NAME is required');
    expect((error as Error).message).toContain('EVENTS_TOPIC_ARN is required');
    expect((error as Error).message).toContain('OPERATOR_TOPIC_ARN is required');
    expect((error as Error).message).toContain('COMPANYENRICH_API_KEY_SECRET_ARN');
  });

  it('never echoes the API key, even when it is the problem', () => {
    const key = 'sk_live_very_secret_value';
    let message = '';
    try {
      loadConfig({ ...LAMBDA_ENV, COMPANYENRICH_API_KEY: key });
    } catch (caught) {
      message = (caught as Error).message;
    }
    expect(message).toContain('set only one of COMPANYENRICH_API_KEY_SECRET_ARN and COMPANYENRICH_API_KEY');
    expect(message).not.toContain(key);
    expect(JSON.stringify(loadConfig({ COMPANYENRICH_API_KEY: key }))).not.toContain(key);
  });

  it('refuses the old single-topic variable instead of silently publishing nothing', () => {
    expect(() => loadConfig({ NOTIFICATIONS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:t' })).toThrow(
      /NOTIFICATIONS_TOPIC_ARN is not used: set EVENTS_TOPIC_ARN/,
    );
  });

  it('reads the operator topic, where account-level alerts go, and checks it is a topic ARN', () => {
    expect(loadConfig({}).operatorTopicArn).toBeNull();
    expect(() => loadConfig({ OPERATOR_TOPIC_ARN: 'ops' })).toThrow(
      'OPERATOR_TOPIC_ARN must be an SNS topic ARN (got "ops")',
    );
    expect(() => loadPollFunctionConfig({ ...LAMBDA_ENV, OPERATOR_TOPIC_ARN: '' })).toThrow(
      'Invalid configuration: OPERATOR_TOPIC_ARN is required',
    );
  });

  it('turns retention 0 into "keep forever" and strips a trailing slash from the API URL', () => {
    const config = loadConfig({ JOB_RETENTION_DAYS: '0', COMPANYENRICH_API_URL: 'http://127.0.0.1:4010/' });
    expect(config.tick.retentionMs).toBeNull();
    expect(config.apiBaseUrl).toBe('http://127.0.0.1:4010');
  });
});
