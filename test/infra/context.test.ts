import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { CONTEXT_KEYS, ContextError, settingsFromContext } from '../../infra/context.js';
import { JOB_A, REPO_ROOT, SECRET_ARN, SECRET_KEY_ARN } from './fixture.js';

const settings = (context: Record<string, unknown>) => settingsFromContext(new App({ context }).node);

describe('settingsFromContext', () => {
  it('leaves every default to the stack when nothing is set', () => {
    expect(settings({})).toEqual({ stackName: 'EnrichJobWatch', stackProps: {} });
  });

  it('reads every key, as `-c key=value` strings', () => {
    const { stackName, stackProps } = settings({
      stackName: 'EnrichJobWatch-dev',
      removalPolicy: 'destroy',
      deletionProtection: 'false',
      jobRetentionDays: '30',
      pollIntervalMinutes: '5',
      pollTimeoutSeconds: '120',
      reservedConcurrency: 'none',
      logRetentionDays: '90',
      logLevel: 'debug',
      serviceName: 'enrich-job-watch-dev',
      subscriptions: `[{"email":"ops@example.com","statuses":["failed"]},{"sms":"+15555550100","eventTypes":["job.completed","job.failed"]},{"email":"team@example.com","jobIds":["${JOB_A}"]}]`,
      operatorEmails: 'oncall@example.com, lead@example.com',
      apiKeySecretName: 'companyenrich/api-key',
      apiKeySecretKmsKeyArn: SECRET_KEY_ARN,
      heartbeatMinutes: '20',
      apiRateLimit: '50',
      apiBurstLimit: '100',
      statusIndex: 'false',
      legacyDueIndex: 'true',
      exportPrefix: 'ejw-dev',
      dashboard: 'true',
    });
    expect(stackName).toBe('EnrichJobWatch-dev');
    expect(stackProps).toMatchObject({
      removalPolicy: RemovalPolicy.DESTROY,
      deletionProtection: false,
      reservedConcurrency: 'none',
      logRetention: RetentionDays.THREE_MONTHS,
      logLevel: 'DEBUG',
      serviceName: 'enrich-job-watch-dev',
      subscriptions: [
        { email: 'ops@example.com', statuses: ['failed'] },
        { sms: '+15555550100', eventTypes: ['job.completed', 'job.failed'] },
        { email: 'team@example.com', jobIds: [JOB_A] },
      ],
      operatorEmails: ['oncall@example.com', 'lead@example.com'],
      apiKeySecret: { secretName: 'companyenrich/api-key', encryptionKeyArn: SECRET_KEY_ARN },
      apiRateLimit: 50,
      apiBurstLimit: 100,
      statusIndex: false,
      legacyDueIndex: true,
      exportPrefix: 'ejw-dev',
      dashboard: true,
    });
    expect(stackProps.jobRetention?.toDays()).toBe(30);
    expect(stackProps.pollInterval?.toMinutes()).toBe(5);
    expect(stackProps.pollTimeout?.toSeconds()).toBe(120);
    expect(stackProps.heartbeatWindow?.toMinutes()).toBe(20);
  });

  it('reads cdk.json values with their JSON types', () => {
    const { stackProps } = settings({
      deletionProtection: true,
      jobRetentionDays: 0,
      pollIntervalMinutes: 2,
      reservedConcurrency: 3,
      logRetentionDays: 7,
      subscriptions: [{ sms: '+447700900123' }],
      operatorEmails: ['oncall@example.com'],
      apiKeySecretArn: SECRET_ARN,
      apiRateLimit: 5,
      apiBurstLimit: 5000,
      dashboard: false,
      pollMemoryMb: 1536,
    });
    expect(stackProps).toMatchObject({
      dashboard: false,
      pollMemorySize: 1536,
      apiRateLimit: 5,
      apiBurstLimit: 5000,
      deletionProtection: true,
      reservedConcurrency: 3,
      logRetention: RetentionDays.ONE_WEEK,
      subscriptions: [{ sms: '+447700900123' }],
      operatorEmails: ['oncall@example.com'],
      apiKeySecret: { secretArn: SECRET_ARN },
    });
    expect(stackProps.jobRetention?.toDays()).toBe(0);
    expect(stackProps.pollInterval?.toMinutes()).toBe(2);
  });

  it('reads values however `-c` or cdk.json spell them', () => {
    const { stackProps } = settings({
      removalPolicy: 'RETAIN',
      deletionProtection: 'true',
      pollIntervalMinutes: ' 5 ',
      reservedConcurrency: '5',
      logLevel: 'warn',
      operatorEmails: '["oncall@example.com", "lead@example.com"]',
      apiKeySecretArn: SECRET_ARN,
      apiKeySecretKmsKeyArn: SECRET_KEY_ARN,
      exportPrefix: 2024,
    });
    expect(stackProps).toMatchObject({
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
      reservedConcurrency: 5,
      logLevel: 'WARN',
      operatorEmails: ['oncall@example.com', 'lead@example.com'],
      apiKeySecret: { secretArn: SECRET_ARN, encryptionKeyArn: SECRET_KEY_ARN },
      exportPrefix: '2024',
    });
    expect(stackProps.pollInterval?.toMinutes()).toBe(5);
  });

  it('treats a blank or null value as unset', () => {
    expect(settings({ logLevel: '  ', removalPolicy: null, operatorEmails: '', subscriptions: ' ' })).toEqual(
      {
        stackName: 'EnrichJobWatch',
        stackProps: {},
      },
    );
  });

  it('names every problem at once, one per line, in a ContextError', () => {
    const entry = { email: 'ops@example.com', statuses: ['fail', 'failed', 'done'] };
    const statuses =
      'completed, failed, not_found, rejected, unauthorized, payment_required, forbidden, api_key_unavailable';
    let error: unknown;
    try {
      settings({ logLevel: 'verbose', pollTimeoutSeconds: 901, subscriptions: [entry, { sms: '555-0100' }] });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ContextError);
    expect((error as Error).message.split('\n')).toEqual([
      'context pollTimeoutSeconds must be a whole number of seconds from 1 to 900 (got 901)',
      'context logLevel must be one of TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT (got "verbose")',
      `context subscriptions[0] ${JSON.stringify(entry)}: statuses has "fail"; expected statuses (${statuses})`,
      `context subscriptions[0] ${JSON.stringify(entry)}: statuses has "done"; expected statuses (${statuses})`,
      'context subscriptions[1] {"sms":"555-0100"}: sms must be an E.164 phone number: + and country code, digits only, e.g. +15555550100',
    ]);
  });

  it('documents a key for every setting it reads', () => {
    expect(Object.keys(CONTEXT_KEYS).sort()).toEqual(
      [
        'apiBurstLimit',
        'apiKeySecretArn',
        'apiKeySecretKmsKeyArn',
        'apiRateLimit',
        'apiKeySecretName',
        'dashboard',
        'deletionProtection',
        'exportPrefix',
        'heartbeatMinutes',
        'jobRetentionDays',
        'legacyDueIndex',
        'logLevel',
        'logRetentionDays',
        'operatorEmails',
        'pollIntervalMinutes',
        'pollMemoryMb',
        'pollTimeoutSeconds',
        'removalPolicy',
        'reservedConcurrency',
        'serviceName',
        'stackName',
        'statusIndex',
        'subscriptions',
      ].sort(),
    );
  });

  it.each([
    [{ removalPolicy: 'snapshot' }, /removalPolicy must be one of retain, destroy \(got "snapshot"\)/],
    [
      { pollIntervalMinutes: '0.5' },
      /pollIntervalMinutes must be a whole number of minutes from 1 to 1440 \(got "0.5"\)/,
    ],
    [{ pollIntervalMinutes: 'often' }, /pollIntervalMinutes must be a whole number/],
    [
      { pollTimeoutSeconds: 901 },
      /pollTimeoutSeconds must be a whole number of seconds from 1 to 900 \(got 901\)/,
    ],
    [{ pollMemoryMb: 64 }, /pollMemoryMb must be a whole number of MB from 128 to 10240 \(got 64\)/],
    [{ jobRetentionDays: -1 }, /jobRetentionDays must be a whole number of days from 0 to 36500/],
    [{ reservedConcurrency: 0 }, /reservedConcurrency must be a whole number of executions \(or "none"\)/],
    [{ logRetentionDays: 10 }, /logRetentionDays must be one of 1, 3, 5, 7, 14, 30, 60, 90,/],
    [
      { logLevel: 'verbose' },
      /logLevel must be one of TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT \(got "verbose"\)/,
    ],
    [{ deletionProtection: 'yes' }, /deletionProtection must be true or false \(got "yes"\)/],
    [{ heartbeatMinutes: 1 }, /heartbeatMinutes must be a whole number of minutes from 2 to 1440/],
    [
      { apiRateLimit: '0' },
      /context apiRateLimit must be a whole number of requests per second from 1 to 10000 \(got "0"\)/,
    ],
    [{ apiRateLimit: 2.5 }, /apiRateLimit must be a whole number of requests per second from 1 to 10000/],
    [
      { apiBurstLimit: 5001 },
      /context apiBurstLimit must be a whole number of requests from 1 to 5000 \(got 5001\)/,
    ],
    [
      { apiBurstLimit: 'lots' },
      /apiBurstLimit must be a whole number of requests from 1 to 5000 \(got "lots"\)/,
    ],
    [{ exportPrefix: 'my stack' }, /exportPrefix must be letters, digits, colons and hyphens/],
    [{ subscriptions: '[{"sms":' }, /context subscriptions is not valid JSON/],
    [{ stackName: { name: 'x' } }, /context stackName must be a string or a number \(got \{"name":"x"\}\)/],
    [
      { reservedConcurrency: 'often' },
      /reservedConcurrency must be a whole number of executions \(or "none"\) from 1 to 1000 \(got "often"\)/,
    ],
    [{ logRetentionDays: 'week' }, /logRetentionDays must be one of 1, 3, 5, .* \(got "week"\)/],
    [{ subscriptions: 'ops@example.com' }, /context subscriptions must be a list \(got "ops@example.com"\)/],
    [
      { subscriptions: [{ email: 'ops@example.com', statuses: 'failed' }] },
      /subscriptions\[0\] .*: statuses must be a non-empty list of statuses \(completed,/,
    ],
    [
      { subscriptions: [{ email: 'ops@example.com', jobIds: [42] }] },
      /subscriptions\[0\] .*: jobIds has 42; expected job ids \(UUIDs\)/,
    ],
    [
      { subscriptions: '[{"sms":"+15555550100"},{"sms":"+15555550100","statuses":["failed"]}]' },
      /context subscriptions\[1\] .*: \+15555550100 is already subscribed by subscriptions\[0\]/,
    ],
    [{ operatorEmails: 5 }, /context operatorEmails must be a list \(got 5\)/],
    [
      { operatorEmails: '["oncall@example.com","OnCall@example.com"]' },
      /operatorEmails\[1\] "OnCall@example.com": listed twice/,
    ],
    [
      { subscriptions: [{ email: 'ops@example.com' }, { sms: '555-0100' }] },
      /context subscriptions\[1\] \{"sms":"555-0100"\}: sms must be an E\.164 phone number/,
    ],
    [
      { subscriptions: [{ email: 'ops@example.com', statuses: ['fail'] }] },
      /subscriptions\[0\] .*: statuses has "fail"; expected statuses \(completed, failed, not_found, rejected, unauthorized, payment_required, forbidden, api_key_unavailable\)/,
    ],
    [
      { operatorEmails: 'oncall@example.com,oncall' },
      /context operatorEmails\[1\] "oncall": must be an email address/,
    ],
    [
      { apiKeySecretName: 'companyenrich/api-key', apiKeySecretArn: SECRET_ARN },
      /apiKeySecretName and apiKeySecretArn: give one of them, not both/,
    ],
    [{ apiKeySecretKmsKeyArn: SECRET_KEY_ARN }, /apiKeySecretKmsKeyArn applies to an existing secret/],
  ])('rejects %j', (context, message) => {
    expect(() => settings(context)).toThrow(message);
  });
});

describe('the app (infra/app.ts)', () => {
  it('fails synthesis on bad context, naming the entry and what is wrong with it', () => {
    const outdir = mkdtempSync(path.join(os.tmpdir(), 'enrich-job-watch-bad-context-'));
    try {
      // What the CLI does: run the app with the context in CDK_CONTEXT_JSON.
      const run = spawnSync(path.join(REPO_ROOT, 'node_modules/.bin/tsx'), ['infra/app.ts'], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH ?? '',
          CDK_OUTDIR: outdir,
          CDK_CONTEXT_JSON: JSON.stringify({
            subscriptions: [{ email: 'ops@example.com', statuses: ['failed'] }, { sms: '+1 555 555 0100' }],
          }),
        },
        timeout: 30_000,
      });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain(
        'context subscriptions[1] {"sms":"+1 555 555 0100"}: sms must be an E.164 phone number',
      );
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
