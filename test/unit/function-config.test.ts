import { describe, expect, it } from 'vitest';
import {
  loadAlarmRelayConfig,
  loadApiFunctionConfig,
  loadWebhookFunctionConfig,
} from '../../functions/core/config.js';
import { ConfigError } from '../../functions/core/domain/errors.js';

const TABLE = { JOBS_TABLE_NAME: 'enrich-jobs' };
const KEY = {
  COMPANYENRICH_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:enrich-key-AbCdEf',
};
const EVENTS = {
  EVENTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:enrich-events',
  OPERATOR_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:enrich-operator',
};
const SECRET = {
  WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:enrich-webhook-AbCdEf',
};
const BASE = { WEBHOOK_BASE_URL: 'https://abc123.execute-api.eu-west-1.amazonaws.com/' };

describe('loadApiFunctionConfig', () => {
  it('needs the table and the key source; the webhook is optional', () => {
    const config = loadApiFunctionConfig({ ...TABLE, ...KEY });
    expect(config.jobsTableName).toBe('enrich-jobs');
    expect(config.apiKeySource).toEqual({ kind: 'secret', secretId: KEY.COMPANYENRICH_API_KEY_SECRET_ARN });
    expect(config.webhook).toEqual({ secretId: null, baseUrl: null });
  });

  it('names each missing variable', () => {
    expect(() => loadApiFunctionConfig({})).toThrow(ConfigError);
    expect(() => loadApiFunctionConfig({})).toThrow(
      /JOBS_TABLE_NAME is required; COMPANYENRICH_API_KEY_SECRET_ARN/,
    );
  });

  it('turns the webhook on with a base URL and its secret, and refuses the URL alone', () => {
    const config = loadApiFunctionConfig({ ...TABLE, ...KEY, ...SECRET, ...BASE });
    expect(config.webhook).toEqual({
      secretId: SECRET.WEBHOOK_SECRET_ARN,
      baseUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
    });
    expect(() => loadApiFunctionConfig({ ...TABLE, ...KEY, ...BASE })).toThrow(
      'WEBHOOK_BASE_URL is set, so WEBHOOK_SECRET_ARN is required',
    );
  });
});

describe('loadWebhookFunctionConfig', () => {
  it('needs what the poller needs plus the webhook secret', () => {
    const config = loadWebhookFunctionConfig({ ...TABLE, ...KEY, ...EVENTS, ...SECRET });
    expect(config.webhook.secretId).toBe(SECRET.WEBHOOK_SECRET_ARN);
    expect(config.topics.events).toBe(EVENTS.EVENTS_TOPIC_ARN);
    expect(config.operatorTopicArn).toBe(EVENTS.OPERATOR_TOPIC_ARN);
    expect(() => loadWebhookFunctionConfig({ ...TABLE, ...KEY, ...EVENTS })).toThrow(
      'Invalid configuration: WEBHOOK_SECRET_ARN is required',
    );
  });

  it('names every missing variable at once, the secret included', () => {
    expect(() => loadWebhookFunctionConfig({ ...TABLE })).toThrow(
      /EVENTS_TOPIC_ARN is required; OPERATOR_TOPIC_ARN is required; COMPANYENRICH_API_KEY_SECRET_ARN .* is required; WEBHOOK_SECRET_ARN is required$/,
    );
  });
});

describe('loadAlarmRelayConfig', () => {
  it('needs only the operator topic (the relay has no table, key or other topic)', () => {
    expect(loadAlarmRelayConfig({ OPERATOR_TOPIC_ARN: EVENTS.OPERATOR_TOPIC_ARN })).toEqual({
      operatorTopicArn: EVENTS.OPERATOR_TOPIC_ARN,
    });
    expect(() => loadAlarmRelayConfig({})).toThrow(ConfigError);
    expect(() => loadAlarmRelayConfig({ ...TABLE, ...KEY })).toThrow(
      'Invalid configuration: OPERATOR_TOPIC_ARN is required',
    );
    expect(() => loadAlarmRelayConfig({ OPERATOR_TOPIC_ARN: 'enrich-operator' })).toThrow(
      /OPERATOR_TOPIC_ARN must be an SNS topic ARN/,
    );
  });
});
