import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../functions/contract.js';
import {
  asArray,
  cfnText,
  only,
  SECRET_ARN,
  SECRET_KEY_ARN,
  JOB_A,
  JOB_B,
  synthFixture,
  type Fixture,
  type Resource,
  type Statement,
} from './fixture.js';

let fixture: Fixture;
let template: Template;
let configured: Template;
let importedByArn: Template;

beforeAll(() => {
  fixture = synthFixture();
  ({ defaults: template, configured, importedByArn } = fixture.templates);
}, 60_000);

afterAll(() => {
  // Unset when synthesis failed in beforeAll (and that failure is the one to report).
  (fixture as Fixture | undefined)?.dispose();
});

/** Logical ids, told apart by their construct paths. */
function ids(stackTemplate: Template) {
  return {
    table: only(stackTemplate, 'AWS::DynamoDB::Table').id,
    topics: {
      events: only(stackTemplate, 'AWS::SNS::Topic', 'EventsTopic').id,
      email: only(stackTemplate, 'AWS::SNS::Topic', 'EmailTopic').id,
      sms: only(stackTemplate, 'AWS::SNS::Topic', 'SmsTopic').id,
      operator: only(stackTemplate, 'AWS::SNS::Topic', 'OperatorTopic').id,
    },
    fn: only(stackTemplate, 'AWS::Lambda::Function', 'PollerFunction').id,
    fnRole: only(stackTemplate, 'AWS::IAM::Role', 'PollerFunctionRole').id,
    schedulerRole: only(stackTemplate, 'AWS::IAM::Role', 'SchedulerRole').id,
    logs: only(stackTemplate, 'AWS::Logs::LogGroup', 'PollerFunctionLogs').id,
    apiFn: only(stackTemplate, 'AWS::Lambda::Function', 'ApiApiFunction').id,
    apiFnRole: only(stackTemplate, 'AWS::IAM::Role', 'ApiApiFunctionRole').id,
    apiFnLogs: only(stackTemplate, 'AWS::Logs::LogGroup', 'ApiApiFunctionLogs').id,
    webhookFn: only(stackTemplate, 'AWS::Lambda::Function', 'ApiWebhookFunction').id,
    webhookFnRole: only(stackTemplate, 'AWS::IAM::Role', 'ApiWebhookFunctionRole').id,
    webhookFnLogs: only(stackTemplate, 'AWS::Logs::LogGroup', 'ApiWebhookFunctionLogs').id,
    httpApi: only(stackTemplate, 'AWS::ApiGatewayV2::Api').id,
    accessLogs: only(stackTemplate, 'AWS::Logs::LogGroup', 'ApiAccessLogs').id,
    queue: only(stackTemplate, 'AWS::SQS::Queue', 'DeadLetterQueue').id,
    relayFn: only(stackTemplate, 'AWS::Lambda::Function', 'AlarmRelayFunction').id,
    relayFnRole: only(stackTemplate, 'AWS::IAM::Role', 'AlarmRelayFunctionRole').id,
    relayFnLogs: only(stackTemplate, 'AWS::Logs::LogGroup', 'AlarmRelayFunctionLogs').id,
    relayQueue: only(stackTemplate, 'AWS::SQS::Queue', 'AlarmRelayFailedQueue').id,
  };
}

const getAtt = (id: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [id, attribute] });

/** The statements of the role's policies, actions sorted, in template order. */
function statementsOf(stackTemplate: Template, roleId: string): Statement[] {
  const policies = Object.values(
    stackTemplate.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }) as Record<
      string,
      Resource
    >,
  );
  return policies
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
    .map((statement) => ({ ...statement, Action: asArray(statement.Action).sort() }));
}

/** A function's environment variables: the poll function's unless another is named. */
function environmentOf(stackTemplate: Template, fragment = 'PollerFunction'): Record<string, unknown> {
  const fn = only(stackTemplate, 'AWS::Lambda::Function', fragment).resource;
  return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

describe('jobs table', () => {
  it('has the adapter key schema, the sparse due index, the listing indexes, TTL, PITR, encryption, deletion protection, on-demand billing', () => {
    const listing = (extra: string[]) => ({
      ProjectionType: 'INCLUDE',
      NonKeyAttributes: ['job_id', 'label', ...extra, 'untracked_at'],
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'watch_queue', AttributeType: 'S' },
        { AttributeName: 'entity', AttributeType: 'S' },
        { AttributeName: 'tracked_at', AttributeType: 'S' },
        { AttributeName: 'status', AttributeType: 'S' },
      ],
      GlobalSecondaryIndexes: [
        {
          // Keys that a routine check leaves alone: it updates the entry in place (1 write unit).
          IndexName: 'by-watch-queue',
          KeySchema: [
            { AttributeName: 'watch_queue', KeyType: 'HASH' },
            { AttributeName: 'pk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['next_check_at'] },
        },
        {
          // Every tracked job, newest first: only job items carry `entity`.
          IndexName: 'by-tracked-at',
          KeySchema: [
            { AttributeName: 'entity', KeyType: 'HASH' },
            { AttributeName: 'tracked_at', KeyType: 'RANGE' },
          ],
          // A row of the list shows the status; a check changes it only on a transition.
          Projection: listing(['status']),
        },
        {
          IndexName: 'by-status',
          KeySchema: [
            { AttributeName: 'status', KeyType: 'HASH' },
            { AttributeName: 'tracked_at', KeyType: 'RANGE' },
          ],
          // `status` is this index's key: DynamoDB refuses it as a non-key attribute.
          Projection: listing([]),
        },
      ],
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      // SSEEnabled without a key: the AWS managed key (aws/dynamodb).
      SSESpecification: { SSEEnabled: true },
      DeletionProtectionEnabled: true,
      BillingMode: 'PAY_PER_REQUEST',
      ProvisionedThroughput: Match.absent(),
    });
  });

  it('tells the function the retention the TTL applies (JOB_RETENTION_DAYS)', () => {
    expect(environmentOf(template).JOB_RETENTION_DAYS).toBe('90');
    expect(environmentOf(configured).JOB_RETENTION_DAYS).toBe('30');
  });

  it('is retained and protected by default; a test stack can have it deleted', () => {
    const table = only(template, 'AWS::DynamoDB::Table').resource;
    expect([table.DeletionPolicy, table.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    const testTable = only(configured, 'AWS::DynamoDB::Table').resource;
    expect([testTable.DeletionPolicy, testTable.Properties.DeletionProtectionEnabled]).toEqual([
      'Delete',
      false,
    ]);
    // Deletion protection can be switched off on its own.
    const other = only(importedByArn, 'AWS::DynamoDB::Table').resource;
    expect([other.DeletionPolicy, other.Properties.DeletionProtectionEnabled]).toEqual(['Retain', false]);
  });

  it('retains exactly the stateful resources on `cdk destroy` (and none in a DESTROY stack)', () => {
    const retained = (stackTemplate: Template) =>
      Object.values(stackTemplate.toJSON().Resources as Record<string, Resource>)
        .filter((resource) => resource.DeletionPolicy === 'Retain')
        .map((resource) => resource.Type)
        .sort();
    // Log groups: the four functions' and the API access logs; secrets: the API key and the webhook key.
    // No KMS key: the topics use the AWS managed one.
    expect(retained(template)).toEqual([
      'AWS::DynamoDB::Table',
      'AWS::Logs::LogGroup',
      'AWS::Logs::LogGroup',
      'AWS::Logs::LogGroup',
      'AWS::Logs::LogGroup',
      'AWS::Logs::LogGroup',
      'AWS::SecretsManager::Secret',
      'AWS::SecretsManager::Secret',
    ]);
    expect(retained(configured)).toEqual([]);
  });
});

describe('schedule', () => {
  it('invokes the poll function every minute with {"time": <scheduled time>}, once, within a minute, dead-lettering failures', () => {
    const id = ids(template);
    template.resourceCountIs('AWS::Events::Rule', 0);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: getAtt(id.fn),
        RoleArn: getAtt(id.schedulerRole),
        Input: '{"time":"<aws.scheduler.scheduled-time>"}',
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        DeadLetterConfig: { Arn: getAtt(id.queue) },
      },
    });
  });

  it('follows the configured interval, and tells the function the same interval', () => {
    configured.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(5 minutes)' });
    expect(environmentOf(configured).POLL_INTERVAL_SECONDS).toBe('300');
  });

  it('has a role only Scheduler of this account can assume, allowed to invoke the function and dead-letter, nothing else', () => {
    const id = ids(template);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: {
              StringEquals: {
                'aws:SourceAccount': { Ref: 'AWS::AccountId' },
                'aws:SourceArn': Match.anyValue(),
              },
            },
          },
        ],
      },
    });
    expect(statementsOf(template, id.schedulerRole)).toEqual([
      // The function's own ARN: not `<arn>:*` (every version and alias), as the stock target grants.
      { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: getAtt(id.fn) },
      { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: getAtt(id.queue) },
    ]);
  });

  it('dead-letters into an SSE, TLS-only queue that keeps messages 14 days', () => {
    const id = ids(template);
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: id.queue }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: getAtt(id.queue),
          },
        ],
      },
    });
  });
});

describe('poll function', () => {
  it('runs the bundled handler on Node 22 / arm64, reserved to one execution, with a timeout inside the interval', () => {
    const id = ids(template);
    expect(only(template, 'AWS::Lambda::Function', 'PollerFunction').resource.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 50,
      MemorySize: 256,
      ReservedConcurrentExecutions: 1,
      TracingConfig: { Mode: 'Active' },
      Role: getAtt(id.fnRole),
      LoggingConfig: { LogGroup: { Ref: id.logs } },
    });
    expect(only(template, 'AWS::Logs::LogGroup', 'PollerFunctionLogs').resource.Properties).toEqual({
      RetentionInDays: 30,
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: id.fn },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
  });

  it('takes the configured timeout, concurrency, memory, log retention and log level', () => {
    expect(only(configured, 'AWS::Lambda::Function', 'PollerFunction').resource.Properties).toMatchObject({
      Timeout: 120,
      ReservedConcurrentExecutions: 2,
      MemorySize: 1536,
    });
    expect(only(configured, 'AWS::Logs::LogGroup', 'PollerFunctionLogs').resource.Properties).toEqual({
      RetentionInDays: 90,
    });
    expect(environmentOf(configured).POWERTOOLS_LOG_LEVEL).toBe('DEBUG');
    // 'none': no reservation at all.
    expect(
      only(importedByArn, 'AWS::Lambda::Function', 'PollerFunction').resource.Properties
        .ReservedConcurrentExecutions,
    ).toBeUndefined();
  });

  it('is bundled minified with a source map, which Node is told to use', () => {
    // The code's S3 key is `<asset hash>.zip`; the staged bundle is `asset.<asset hash>/`.
    const { Code } = only(template, 'AWS::Lambda::Function', 'PollerFunction').resource.Properties as {
      Code: { S3Key: string };
    };
    const assetDir = path.join(fixture.outdir, `asset.${Code.S3Key.replace(/\.zip$/, '')}`);
    const bundle = readFileSync(path.join(assetDir, 'index.mjs'), 'utf8');
    expect(bundle).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    // Minified: no line of a pretty-printed bundle is this long on average.
    expect(bundle.length / bundle.split('\n').length).toBeGreaterThan(1_000);
    expect(JSON.parse(readFileSync(path.join(assetDir, 'index.mjs.map'), 'utf8'))).toMatchObject({
      version: 3,
    });
    expect(environmentOf(template).NODE_OPTIONS).toBe('--enable-source-maps');
  });

  it('gets resource names, the secret ARN and its settings in its environment, never the API key', () => {
    const id = ids(template);
    expect(environmentOf(template)).toEqual({
      JOBS_TABLE_NAME: { Ref: id.table },
      JOB_RETENTION_DAYS: '90',
      EVENTS_TOPIC_ARN: { Ref: id.topics.events },
      EMAIL_TOPIC_ARN: { Ref: id.topics.email },
      SMS_TOPIC_ARN: { Ref: id.topics.sms },
      OPERATOR_TOPIC_ARN: { Ref: id.topics.operator },
      COMPANYENRICH_API_KEY_SECRET_ARN: { Ref: only(template, 'AWS::SecretsManager::Secret', 'ApiKey').id },
      POLL_INTERVAL_SECONDS: '60',
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'enrich-job-watch',
      POWERTOOLS_METRICS_NAMESPACE: 'EnrichJobWatch',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
    expect(environmentOf(configured)).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'enrich-job-watch-dev',
      COMPANYENRICH_API_KEY_SECRET_ARN: 'companyenrich/api-key',
    });
    expect(environmentOf(importedByArn).COMPANYENRICH_API_KEY_SECRET_ARN).toBe(SECRET_ARN);
  });

  it('may publish to the three channel topics and the operator topic (its account alerts), and to no other', () => {
    const id = ids(template);
    const publish = statementsOf(template, id.fnRole).filter((statement) =>
      [statement.Action].flat().some((action) => action.startsWith('sns:')),
    );
    expect(publish).toEqual([
      {
        Effect: 'Allow',
        Action: ['sns:Publish'],
        Resource: [
          { Ref: id.topics.email },
          { Ref: id.topics.events },
          { Ref: id.topics.operator },
          { Ref: id.topics.sms },
        ],
      },
    ]);
  });

  it('has its own role, without managed policies, that only Lambda assumes', () => {
    const role = only(template, 'AWS::IAM::Role', 'PollerFunctionRole').resource;
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ],
    });
  });

  it('has no wildcard action anywhere, and resource "*" only for X-Ray', () => {
    for (const stackTemplate of [template, configured, importedByArn]) {
      const statements = Object.values(
        stackTemplate.findResources('AWS::IAM::Policy') as Record<string, Resource>,
      ).flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) {
        expect(asArray(statement.Action).filter((action) => action.includes('*'))).toEqual([]);
        const resources = asArray(statement.Resource).map((resource) =>
          typeof resource === 'string' ? resource : cfnText(resource),
        );
        if (resources.some((resource) => resource.includes('*'))) {
          expect(statement.Action).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
          expect(resources).toEqual(['*']);
        }
      }
    }
  });
});

describe('API key secret', () => {
  it('is created empty, for the operator to fill; no key value anywhere in the template', () => {
    const secret = only(template, 'AWS::SecretsManager::Secret', 'ApiKey').resource;
    expect(secret.Properties.GenerateSecretString).toBeUndefined();
    for (const stackTemplate of [template, configured, importedByArn]) {
      const text = JSON.stringify(stackTemplate.toJSON());
      // The only generated value is the webhook key's (its own test); no literal secret at all.
      expect(text).not.toMatch(/"SecretString"|"COMPANYENRICH_API_KEY"/);
      expect(text.match(/GenerateSecretString/g)).toHaveLength(1);
    }
  });

  it('can be an existing secret by name: read with the name, granted with the 6-character suffix, decrypted through Secrets Manager', () => {
    // Only the webhook key is left to create.
    only(configured, 'AWS::SecretsManager::Secret', 'WebhookSecret');
    const id = ids(configured);
    const statements = statementsOf(configured, id.fnRole);
    const read = statements.find((statement) => statement.Action.includes('secretsmanager:GetSecretValue'));
    expect(read?.Action).toEqual(['secretsmanager:GetSecretValue']);
    expect(cfnText(read?.Resource)).toBe(
      'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:companyenrich/api-key-??????',
    );
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: SECRET_KEY_ARN,
      Condition: {
        StringEquals: {
          'kms:ViaService': {
            'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
          },
        },
      },
    });
  });

  it('can be an existing secret by ARN', () => {
    only(importedByArn, 'AWS::SecretsManager::Secret', 'WebhookSecret');
    expect(statementsOf(importedByArn, ids(importedByArn).fnRole)).toContainEqual({
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: SECRET_ARN,
    });
  });
});

describe('notifications', () => {
  it('encrypts every topic with the AWS managed key alias/aws/sns; the stack has no KMS key of its own', () => {
    const managedKey = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':kms:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':alias/aws/sns',
        ],
      ],
    };
    for (const stackTemplate of [template, configured, importedByArn]) {
      stackTemplate.resourceCountIs('AWS::KMS::Key', 0);
      stackTemplate.resourceCountIs('AWS::KMS::Alias', 0);
      const topics = Object.values(
        stackTemplate.findResources('AWS::SNS::Topic') as Record<string, Resource>,
      );
      expect(topics).toHaveLength(4);
      for (const topic of topics) expect(topic.Properties.KmsMasterKeyId).toEqual(managedKey);
    }
  });

  it('refuses publishing without TLS on every topic, and admits no service principal (alarms go through the relay)', () => {
    const id = ids(template);
    const policies = Object.values(
      template.findResources('AWS::SNS::TopicPolicy') as Record<string, Resource>,
    );
    const byTopic = new Map(
      policies.map((policy) => [
        (policy.Properties.Topics as { Ref: string }[])[0]?.Ref,
        (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
      ]),
    );
    expect([...byTopic.keys()].sort()).toEqual(Object.values(id.topics).sort());
    for (const [topic, statements] of byTopic) {
      expect(statements).toEqual([
        {
          Sid: 'AllowPublishThroughSSLOnly',
          Effect: 'Deny',
          Principal: '*',
          Action: 'sns:Publish',
          Resource: { Ref: topic },
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ]);
    }
  });

  it('subscribes the configured emails to the email topic and phones to the SMS topic, with their filter policies', () => {
    const id = ids(configured);
    const subscriptions = Object.values(
      configured.findResources('AWS::SNS::Subscription') as Record<string, Resource>,
    )
      .map(({ Properties }) => Properties)
      .sort((a, b) => String(a.Endpoint).localeCompare(String(b.Endpoint)));
    expect(subscriptions).toEqual([
      {
        Protocol: 'sms',
        Endpoint: '+15555550100',
        TopicArn: { Ref: id.topics.sms },
        FilterPolicy: { event_type: ['job.completed', 'job.failed'] },
      },
      { Protocol: 'sms', Endpoint: '+447700900123', TopicArn: { Ref: id.topics.sms } },
      { Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: { Ref: id.topics.operator } },
      {
        Protocol: 'email',
        Endpoint: 'ops@example.com',
        TopicArn: { Ref: id.topics.email },
        FilterPolicy: { status: ['failed'] },
      },
      {
        Protocol: 'email',
        Endpoint: 'team@example.com',
        TopicArn: { Ref: id.topics.email },
        FilterPolicy: { job_id: [JOB_A, JOB_B] },
      },
    ]);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('keeps a subscription when the list is reordered (its id follows the address)', () => {
    const logicalIds = Object.keys(configured.findResources('AWS::SNS::Subscription'));
    expect(
      logicalIds.every((logicalId) =>
        /Notifications(Sms|Email|OperatorEmail)Subscription[0-9a-f]{12}/.test(logicalId),
      ),
    ).toBe(true);
    expect(logicalIds.join()).not.toMatch(/example|5555/);
  });
});

describe('operations', () => {
  function alarm(stackTemplate: Template, name: string): Record<string, unknown> {
    return only(stackTemplate, 'AWS::CloudWatch::Alarm', `Operations${name}`).resource.Properties;
  }
  const service = (value: string) => [{ Name: 'service', Value: value }];

  it('sends every alarm and its recovery to the operator topic, through the alarm relay', () => {
    const id = ids(template);
    const alarms = Object.values(
      template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>,
    );
    expect(alarms.map((resource) => resource.Properties.AlarmName).sort()).toEqual(
      [
        'AlarmRelayFailures',
        'ApiAccess',
        'ApiDegraded',
        'ApiServerErrors',
        'Heartbeat',
        'NotificationOwed',
        'PollDuration',
        'PollErrors',
        'PollThrottles',
        'PublishFailures',
        'ScheduleDeadLetters',
        'ThrottledHalts',
        'WebhookErrors',
      ].map((name) => `EnrichJobWatch-${name}`),
    );
    for (const { Properties } of alarms) {
      // The alarm relay publishes to the operator topic (no alarm publishes to SNS itself).
      expect(Properties.AlarmActions).toEqual([getAtt(id.relayFn)]);
      expect(Properties.OKActions).toEqual([getAtt(id.relayFn)]);
      expect(String(Properties.AlarmDescription).length).toBeGreaterThan(80);
      // Every description tells the operator what to do, not only what happened.
      expect(String(Properties.AlarmDescription)).toMatch(
        /\b(Check|Read|Fix|Look|Find|Lower|Ask|Raise|Store|Top up)\b/,
      );
    }
  });

  it('alarms on function errors and throttles (>= 1 in 2 of 3 five-minute periods)', () => {
    const id = ids(template);
    for (const [name, metricName] of [
      ['PollErrors', 'Errors'],
      ['PollThrottles', 'Throttles'],
    ] as const) {
      expect(alarm(template, name)).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: metricName,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: id.fn } }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('alarms when the p99 duration passes 80% of the timeout', () => {
    expect(alarm(template, 'PollDuration')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Duration',
      ExtendedStatistic: 'p99',
      Period: 300,
      Threshold: 40_000,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
    });
    expect(alarm(configured, 'PollDuration').Threshold).toBe(96_000);
  });

  it('alarms when the schedule dead-letters a tick', () => {
    const id = ids(template);
    expect(alarm(template, 'ScheduleDeadLetters')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: getAtt(id.queue, 'QueueName') }],
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms on API authorisation, 403, payment and key failures (ApiAccessErrors, their sum, one series)', () => {
    expect(alarm(template, 'ApiAccess')).toMatchObject({
      Namespace: 'EnrichJobWatch',
      MetricName: 'ApiAccessErrors',
      Dimensions: service('enrich-job-watch'),
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms on publish failures in 2 of the last 3 five-minute periods (one retried blip does not page)', () => {
    expect(alarm(template, 'PublishFailures')).toMatchObject({
      Namespace: 'EnrichJobWatch',
      MetricName: 'PublishFailures',
      Dimensions: service('enrich-job-watch'),
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms when a quarter of the checks fail on the API side for 15 minutes in a row', () => {
    const properties = alarm(template, 'ApiDegraded');
    expect(properties).toMatchObject({
      Threshold: 25,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
    });
    const metrics = properties.Metrics as Record<string, unknown>[];
    expect(metrics[0]).toEqual({
      Id: 'expr_1',
      Expression: 'IF(checked > 0, 100 * FILL(errors, 0) / checked, 0)',
      Label: 'API errors, % of checks',
      ReturnData: true,
    });
    const stat = (name: string) => ({
      Metric: { Namespace: 'EnrichJobWatch', MetricName: name, Dimensions: service('enrich-job-watch') },
      Period: 300,
      Stat: 'Sum',
    });
    expect(metrics.slice(1)).toEqual([
      { Id: 'checked', ReturnData: false, MetricStat: stat('JobsChecked') },
      { Id: 'errors', ReturnData: false, MetricStat: stat('ApiDegradedErrors') },
    ]);
  });

  it('alarms when ticks are halted by throttling in each of 3 five-minute periods in a row', () => {
    expect(alarm(template, 'ThrottledHalts')).toMatchObject({
      Namespace: 'EnrichJobWatch',
      MetricName: 'ThrottledHalts',
      Dimensions: service('enrich-job-watch'),
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms when a notification has been owed for more than 15 minutes', () => {
    expect(alarm(template, 'NotificationOwed')).toMatchObject({
      Namespace: 'EnrichJobWatch',
      MetricName: 'OldestOwedNotificationSeconds',
      Dimensions: service('enrich-job-watch'),
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 900,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms when no tick completed (Lambda Invocations - Errors) for the heartbeat window, counting missing data as no tick', () => {
    const id = ids(template);
    const properties = alarm(template, 'Heartbeat');
    expect(properties).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 10,
      DatapointsToAlarm: 10,
      TreatMissingData: 'breaching',
    });
    const lambdaStat = (name: string) => ({
      Metric: {
        Namespace: 'AWS/Lambda',
        MetricName: name,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: id.fn } }],
      },
      Period: 60,
      Stat: 'Sum',
    });
    expect(properties.Metrics).toEqual([
      {
        Id: 'expr_1',
        Expression: 'FILL(invocations, 0) - FILL(errors, 0)',
        Label: 'completed ticks',
        ReturnData: true,
      },
      { Id: 'invocations', ReturnData: false, MetricStat: lambdaStat('Invocations') },
      { Id: 'errors', ReturnData: false, MetricStat: lambdaStat('Errors') },
    ]);
    expect(alarm(configured, 'Heartbeat')).toMatchObject({ EvaluationPeriods: 20, DatapointsToAlarm: 20 });
  });

  it('saves the Logs Insights queries, each in a folder named after the stack and scoped to its log groups', () => {
    const id = ids(template);
    const queries = Object.values(
      template.findResources('AWS::Logs::QueryDefinition') as Record<string, Resource>,
    ).map(({ Properties }) => [Properties.Name, Properties.LogGroupNames]);
    const group = (logicalId: string) => [{ Ref: logicalId }];
    expect(queries).toEqual([
      ['EnrichJobWatch/TickSummary', group(id.logs)],
      ['EnrichJobWatch/HaltsByReason', group(id.logs)],
      ['EnrichJobWatch/ApiErrorsByKind', group(id.logs)],
      ['EnrichJobWatch/JobsByStatus', group(id.logs)],
      ['EnrichJobWatch/HttpOutcomes', [...group(id.apiFnLogs), ...group(id.webhookFnLogs)]],
      ['EnrichJobWatch/SlowestTicks', group(id.logs)],
    ]);
  });

  it('has no dashboard by default, and no DashboardUrl output', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(template.findOutputs('DashboardUrl')).toEqual({});
  });

  describe('dashboard (context dashboard=true)', () => {
    type Widget = {
      type: string;
      properties: { title?: string; metrics?: unknown[][]; alarms?: string[]; query?: string };
    };
    let widgets: Widget[];
    beforeAll(() => {
      const dashboard = only(configured, 'AWS::CloudWatch::Dashboard').resource;
      widgets = (JSON.parse(cfnText(dashboard.Properties.DashboardBody)) as { widgets: Widget[] }).widgets;
    });
    const graph = (title: string): unknown[][] => {
      const widget = widgets.find((candidate) => candidate.properties.title === title);
      if (!widget?.properties.metrics) throw new Error(`no graph "${title}"`);
      return widget.properties.metrics;
    };
    const custom = (name: string) => ['EnrichJobWatch', name, 'service', 'enrich-job-watch-dev'];

    it('is named after the stack and region, and its URL is an output', () => {
      const dashboardId = only(configured, 'AWS::CloudWatch::Dashboard').id;
      configured.hasResourceProperties('AWS::CloudWatch::Dashboard', {
        DashboardName: { 'Fn::Join': ['', ['Configured-', { Ref: 'AWS::Region' }]] },
      });
      expect(cfnText(configured.findOutputs('DashboardUrl').DashboardUrl?.Value)).toBe(
        `https://\${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=\${AWS::Region}#dashboards/dashboard/\${${dashboardId}}`,
      );
    });

    it('graphs the series the alarms read, summed over 5 minutes, the owed age as its maximum', () => {
      expect(graph('Checks and API errors').map((metric) => metric.slice(0, -1))).toEqual([
        custom('JobsChecked'),
        custom('ApiDegradedErrors'),
        custom('ApiAccessErrors'),
        custom('ThrottledHalts'),
      ]);
      expect(graph('Notifications owed').map((metric) => metric.slice(0, -1))).toEqual([
        custom('PublishFailures'),
        custom('OldestOwedNotificationSeconds'),
      ]);
      expect(graph('Notifications owed').at(-1)?.at(-1)).toMatchObject({ stat: 'Maximum', yAxis: 'right' });
      for (const widget of widgets.filter((candidate) => candidate.type === 'metric')) {
        expect(widget.properties).toMatchObject({ period: 300 });
      }
    });

    it('runs every saved query as a Logs Insights widget on its log groups', () => {
      const id = ids(configured);
      const queries = widgets
        .filter((widget) => widget.type === 'log')
        .map((widget) => widget.properties.query);
      const source = (...logIds: string[]) => logIds.map((logId) => `SOURCE '\${${logId}}'`).join(' | ');
      expect(queries).toHaveLength(6);
      expect(
        queries.map((query) => (query?.split(' | SOURCE').length === 1 ? query.split(' | ')[0] : 'two')),
      ).toEqual([source(id.logs), source(id.logs), source(id.logs), source(id.logs), 'two', source(id.logs)]);
      expect(queries[4]).toContain(source(id.apiFnLogs, id.webhookFnLogs));
    });

    it('shows the state of every alarm', () => {
      const alarmWidget = widgets.find((widget) => widget.type === 'alarm');
      expect(alarmWidget?.properties.alarms).toHaveLength(12);
    });
  });
});

describe('outputs', () => {
  it('outputs the table name, the topic ARNs (exported for other stacks) and the command that stores the key', () => {
    const id = ids(template);
    template.hasOutput('JobsTableName', { Value: { Ref: id.table } });
    template.hasOutput('EventsTopicArn', {
      Value: { Ref: id.topics.events },
      Export: { Name: 'EnrichJobWatch-EventsTopicArn' },
    });
    template.hasOutput('EmailTopicArn', {
      Value: { Ref: id.topics.email },
      Export: { Name: 'EnrichJobWatch-EmailTopicArn' },
    });
    template.hasOutput('SmsTopicArn', {
      Value: { Ref: id.topics.sms },
      Export: { Name: 'EnrichJobWatch-SmsTopicArn' },
    });
    template.hasOutput('OperatorTopicArn', {
      Value: { Ref: id.topics.operator },
      Export: { Name: 'EnrichJobWatch-OperatorTopicArn' },
    });
    template.hasOutput('SetApiKeyCommand', {
      Value: {
        'Fn::Join': [
          '',
          [
            'read -rs COMPANYENRICH_API_KEY && aws secretsmanager put-secret-value --region ',
            { Ref: 'AWS::Region' },
            ' --secret-id ',
            { Ref: only(template, 'AWS::SecretsManager::Secret', 'ApiKey').id },
            ' --secret-string "$COMPANYENRICH_API_KEY"',
          ],
        ],
      },
    });
  });

  it('uses the configured export prefix, and the imported secret in the command', () => {
    configured.hasOutput('EventsTopicArn', { Export: { Name: 'ejw-dev-EventsTopicArn' } });
    configured.hasOutput('OperatorTopicArn', { Export: { Name: 'ejw-dev-OperatorTopicArn' } });
    expect(cfnText(configured.findOutputs('SetApiKeyCommand').SetApiKeyCommand?.Value)).toBe(
      'read -rs COMPANYENRICH_API_KEY && aws secretsmanager put-secret-value --region ${AWS::Region} --secret-id companyenrich/api-key --secret-string "$COMPANYENRICH_API_KEY"',
    );
  });
});

describe('HTTP API', () => {
  const routes = () =>
    Object.values(template.findResources('AWS::ApiGatewayV2::Route') as Record<string, Resource>).map(
      ({ Properties }) => Properties,
    );
  /** The function an integration invokes, by the integration's logical id. */
  const integrationTarget = (target: unknown): unknown => {
    const integrationId = /^integrations\/\$\{(\w+)\}$/.exec(cfnText(target))?.[1] ?? '';
    return only(template, 'AWS::ApiGatewayV2::Integration', integrationId).resource.Properties.IntegrationUri;
  };

  it('routes every job route to the API function behind AWS IAM, and the webhook route, public, to the webhook function', () => {
    const id = ids(template);
    const byKey = Object.fromEntries(
      routes().map((route): [string, unknown[]] => [
        String(route.RouteKey),
        [route.AuthorizationType, integrationTarget(route.Target), route.ApiId],
      ]),
    );
    const jobRoute = ['AWS_IAM', getAtt(id.apiFn), { Ref: id.httpApi }];
    expect(byKey).toEqual({
      [API_ROUTES.trackJob]: jobRoute,
      [API_ROUTES.submitJob]: jobRoute,
      [API_ROUTES.listJobs]: jobRoute,
      [API_ROUTES.getJob]: jobRoute,
      [API_ROUTES.untrackJob]: jobRoute,
      [API_ROUTES.webhook]: ['NONE', getAtt(id.webhookFn), { Ref: id.httpApi }],
    });
    // The contract's keys are API Gateway's, verbatim.
    expect(API_ROUTES.webhook).toBe('POST /hooks/companyenrich/{submissionId}/{token}');
  });

  it('sends Lambda proxy events in payload format 2.0, and has no CORS (callers are not browsers)', () => {
    const integrations = Object.values(
      template.findResources('AWS::ApiGatewayV2::Integration') as Record<string, Resource>,
    );
    expect(integrations).toHaveLength(2);
    for (const { Properties } of integrations) {
      expect(Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
    }
    const api = only(template, 'AWS::ApiGatewayV2::Api').resource.Properties;
    expect(api).toMatchObject({ Name: 'EnrichJobWatch', ProtocolType: 'HTTP' });
    expect(api.CorsConfiguration).toBeUndefined();
  });

  it('lets API Gateway invoke each function only for its own routes', () => {
    const id = ids(template);
    const permissions = Object.values(
      template.findResources('AWS::Lambda::Permission') as Record<string, Resource>,
    )
      // The alarm relay's permissions, one per alarm, have their own test.
      .filter(
        ({ Properties }) => JSON.stringify(Properties.FunctionName) !== JSON.stringify(getAtt(id.relayFn)),
      )
      .map(({ Properties }) => [
        Properties.FunctionName,
        Properties.Principal,
        cfnText(Properties.SourceArn).replace(/^.*:\$\{[^}]+\}\//, ''),
      ]);
    const api = [getAtt(id.apiFn), 'apigateway.amazonaws.com'];
    expect(permissions.sort()).toEqual(
      [
        [...api, '*/*/jobs'],
        [...api, '*/*/jobs/bulk'],
        [...api, '*/*/jobs'],
        [...api, '*/*/jobs/{jobId}'],
        [...api, '*/*/jobs/{jobId}'],
        [getAtt(id.webhookFn), 'apigateway.amazonaws.com', '*/*/hooks/companyenrich/{submissionId}/{token}'],
      ].sort(),
    );
  });

  it('throttles every route on the $default stage, the webhook route tighter, capped at the configured limits', () => {
    const stage = only(template, 'AWS::ApiGatewayV2::Stage');
    expect(stage.resource.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      RouteSettings: {
        [API_ROUTES.webhook]: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
      },
    });
    // Route settings need the route to exist first.
    expect((stage.resource as Resource & { DependsOn?: string[] }).DependsOn).toContain(
      only(template, 'AWS::ApiGatewayV2::Route', 'WebhookRoute').id,
    );
    expect(only(configured, 'AWS::ApiGatewayV2::Stage').resource.Properties).toMatchObject({
      DefaultRouteSettings: { ThrottlingRateLimit: 3, ThrottlingBurstLimit: 6 },
      RouteSettings: { [API_ROUTES.webhook]: { ThrottlingRateLimit: 3, ThrottlingBurstLimit: 6 } },
    });
  });

  it('writes one JSON access log line per request to its own log group, without the path (the webhook token)', () => {
    const id = ids(template);
    const { AccessLogSettings } = only(template, 'AWS::ApiGatewayV2::Stage').resource.Properties as {
      AccessLogSettings: { DestinationArn: unknown; Format: string };
    };
    expect(AccessLogSettings.DestinationArn).toEqual(getAtt(id.accessLogs));
    expect(JSON.parse(AccessLogSettings.Format)).toEqual({
      requestId: '$context.requestId',
      requestTime: '$context.requestTime',
      ip: '$context.identity.sourceIp',
      caller: '$context.identity.userArn',
      routeKey: '$context.routeKey',
      status: '$context.status',
      latency: '$context.responseLatency',
      integrationStatus: '$context.integrationStatus',
      integrationError: '$context.integrationErrorMessage',
      error: '$context.error.message',
      responseLength: '$context.responseLength',
    });
    expect(AccessLogSettings.Format).not.toMatch(/\$context\.(path|rawPath|requestPath)/);
    // Kept as long as the function logs (logRetention).
    expect(only(template, 'AWS::Logs::LogGroup', 'ApiAccessLogs').resource.Properties).toEqual({
      RetentionInDays: 30,
    });
    expect(only(configured, 'AWS::Logs::LogGroup', 'ApiAccessLogs').resource.Properties).toEqual({
      RetentionInDays: 90,
    });
  });

  it('runs both functions with the app defaults, inside the 30-second integration limit', () => {
    const id = ids(template);
    for (const [fn, role, logs, timeout] of [
      [id.apiFn, id.apiFnRole, id.apiFnLogs, 20],
      [id.webhookFn, id.webhookFnRole, id.webhookFnLogs, 15],
    ] as const) {
      expect(only(template, 'AWS::Lambda::Function', fn).resource.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Timeout: timeout,
        MemorySize: 256,
        TracingConfig: { Mode: 'Active' },
        Role: getAtt(role),
        LoggingConfig: { LogGroup: { Ref: logs } },
      });
    }
    expect(environmentOf(configured, 'ApiApiFunction').POWERTOOLS_LOG_LEVEL).toBe('DEBUG');
  });

  it('gives the API function the table, the API key and webhook secrets and its own endpoint, nothing to publish to', () => {
    const id = ids(template);
    expect(environmentOf(template, 'ApiApiFunction')).toEqual({
      JOBS_TABLE_NAME: { Ref: id.table },
      JOB_RETENTION_DAYS: '90',
      COMPANYENRICH_API_KEY_SECRET_ARN: { Ref: only(template, 'AWS::SecretsManager::Secret', 'ApiKey').id },
      WEBHOOK_SECRET_ARN: { Ref: only(template, 'AWS::SecretsManager::Secret', 'WebhookSecret').id },
      WEBHOOK_BASE_URL: getAtt(id.httpApi, 'ApiEndpoint'),
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'enrich-job-watch',
      POWERTOOLS_METRICS_NAMESPACE: 'EnrichJobWatch',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
  });

  it('gives the webhook function the table, both secrets, the three channel topics, the operator topic (its alerts) and the poll interval', () => {
    const id = ids(template);
    expect(environmentOf(template, 'ApiWebhookFunction')).toEqual({
      JOBS_TABLE_NAME: { Ref: id.table },
      JOB_RETENTION_DAYS: '90',
      COMPANYENRICH_API_KEY_SECRET_ARN: { Ref: only(template, 'AWS::SecretsManager::Secret', 'ApiKey').id },
      WEBHOOK_SECRET_ARN: { Ref: only(template, 'AWS::SecretsManager::Secret', 'WebhookSecret').id },
      EVENTS_TOPIC_ARN: { Ref: id.topics.events },
      EMAIL_TOPIC_ARN: { Ref: id.topics.email },
      SMS_TOPIC_ARN: { Ref: id.topics.sms },
      OPERATOR_TOPIC_ARN: { Ref: id.topics.operator },
      POLL_INTERVAL_SECONDS: '60',
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'enrich-job-watch',
      POWERTOOLS_METRICS_NAMESPACE: 'EnrichJobWatch',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
    expect(environmentOf(configured, 'ApiWebhookFunction').POLL_INTERVAL_SECONDS).toBe('300');
  });

  const tableIndex = (tableId: string, name: string) => ({
    'Fn::Join': ['', [getAtt(tableId), `/index/${name}`]],
  });
  const xray = {
    Effect: 'Allow',
    Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
    Resource: '*',
  };
  const logsOf = (logs: string) => ({
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: getAtt(logs),
  });

  it("lets the API function make the job store's item calls and list through the two listing indexes, read both secrets, nothing more", () => {
    const id = ids(template);
    const secrets = [
      { Ref: only(template, 'AWS::SecretsManager::Secret', 'ApiKey').id },
      { Ref: only(template, 'AWS::SecretsManager::Secret', 'WebhookSecret').id },
    ];
    expect(statementsOf(template, id.apiFnRole)).toEqual([
      logsOf(id.apiFnLogs),
      xray,
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: getAtt(id.table),
      },
      {
        Effect: 'Allow',
        Action: ['dynamodb:Query'],
        // Not the due index, and not `/index/*`.
        Resource: [tableIndex(id.table, 'by-status'), tableIndex(id.table, 'by-tracked-at')],
      },
      { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: secrets },
    ]);
  });

  it('lets the webhook function read and update one job and the watcher state, read both secrets and publish to the three channel topics and the operator topic, nothing more', () => {
    const id = ids(template);
    expect(statementsOf(template, id.webhookFnRole)).toEqual([
      logsOf(id.webhookFnLogs),
      xray,
      // PutItem only for the watcher state its one check may change (an incident); no Query.
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: getAtt(id.table),
      },
      {
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: [
          { Ref: only(template, 'AWS::SecretsManager::Secret', 'ApiKey').id },
          { Ref: only(template, 'AWS::SecretsManager::Secret', 'WebhookSecret').id },
        ],
      },
      {
        Effect: 'Allow',
        Action: ['sns:Publish'],
        // The operator topic for the alert its one check may raise (an incident opened or closed).
        Resource: [
          { Ref: id.topics.email },
          { Ref: id.topics.events },
          { Ref: id.topics.operator },
          { Ref: id.topics.sms },
        ],
      },
    ]);
    // With an imported API key secret that has its own key: decrypt through Secrets Manager, as the poller.
    const configuredIds = ids(configured);
    expect(statementsOf(configured, configuredIds.webhookFnRole)).toContainEqual(
      expect.objectContaining({ Action: ['kms:Decrypt'], Resource: SECRET_KEY_ARN }),
    );
  });
});

describe('webhook secret', () => {
  it('is generated by Secrets Manager at creation (64 letters and digits), never a value in the template', () => {
    for (const stackTemplate of [template, configured, importedByArn]) {
      const secret = only(stackTemplate, 'AWS::SecretsManager::Secret', 'WebhookSecret').resource;
      expect(secret.Properties).toEqual({
        Description:
          'enrich-job-watch: key of the webhook tokens (HMAC-SHA256 of the id in each callback URL)',
        GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false },
      });
    }
    const retained = only(template, 'AWS::SecretsManager::Secret', 'WebhookSecret').resource;
    expect(retained.DeletionPolicy).toBe('Retain');
    expect(only(configured, 'AWS::SecretsManager::Secret', 'WebhookSecret').resource.DeletionPolicy).toBe(
      'Delete',
    );
  });

  it('is readable by the API and webhook functions only', () => {
    const id = ids(template);
    const secretId = only(template, 'AWS::SecretsManager::Secret', 'WebhookSecret').id;
    const readers = [id.fnRole, id.apiFnRole, id.webhookFnRole, id.schedulerRole].filter((roleId) =>
      statementsOf(template, roleId).some((statement) =>
        asArray(statement.Resource).some(
          (resource) => JSON.stringify(resource) === JSON.stringify({ Ref: secretId }),
        ),
      ),
    );
    expect(readers).toEqual([id.apiFnRole, id.webhookFnRole]);
  });
});

describe('HTTP API operations and outputs', () => {
  const alarm = (name: string) =>
    only(template, 'AWS::CloudWatch::Alarm', `Operations${name}`).resource.Properties;
  const twoOfThree = {
    Statistic: 'Sum',
    Period: 300,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    EvaluationPeriods: 3,
    DatapointsToAlarm: 2,
    TreatMissingData: 'notBreaching',
  };

  it('alarms on HTTP API 5xx answers and on webhook function errors (>= 1 in 2 of 3 five-minute periods)', () => {
    const id = ids(template);
    expect(alarm('ApiServerErrors')).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: [{ Name: 'ApiId', Value: { Ref: id.httpApi } }],
      ...twoOfThree,
    });
    expect(alarm('WebhookErrors')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: id.webhookFn } }],
      ...twoOfThree,
    });
  });

  it('graphs the HTTP API requests, 4xx, 5xx and latency on the dashboard', () => {
    const id = ids(configured);
    const dashboard = only(configured, 'AWS::CloudWatch::Dashboard').resource;
    const widgets = (
      JSON.parse(cfnText(dashboard.Properties.DashboardBody)) as {
        widgets: { properties: { title?: string; metrics?: unknown[][] } }[];
      }
    ).widgets;
    const series = (title: string) =>
      widgets
        .find((widget) => widget.properties.title === title)
        ?.properties.metrics?.map((metric) => [metric[1], metric[3], metric[4]]);
    const apiId = `\${${id.httpApi}}`;
    expect(series('HTTP API requests')).toEqual([
      ['Count', apiId, { label: 'requests', stat: 'Sum' }],
      ['4xx', apiId, { label: '4xx', stat: 'Sum' }],
      ['5xx', apiId, { label: '5xx', stat: 'Sum' }],
    ]);
    expect(series('HTTP API latency (ms)')).toEqual([
      ['Latency', apiId, { label: 'latency p50', stat: 'p50' }],
      ['Latency', apiId, { label: 'latency p99', stat: 'p99' }],
      ['IntegrationLatency', apiId, { label: 'integration p99', stat: 'p99' }],
    ]);
  });

  it('outputs the API URL, the webhook route pattern and the webhook secret to rotate', () => {
    const id = ids(template);
    template.hasOutput('ApiUrl', { Value: getAtt(id.httpApi, 'ApiEndpoint') });
    template.hasOutput('WebhookSecretArn', {
      Value: { Ref: only(template, 'AWS::SecretsManager::Secret', 'WebhookSecret').id },
    });
    expect(cfnText(template.findOutputs('WebhookRoutePattern').WebhookRoutePattern?.Value)).toBe(
      `\${${id.httpApi}.ApiEndpoint}/hooks/companyenrich/{submissionId}/{token}`,
    );
  });
});

describe('alarm relay', () => {
  const alarmIds = (stackTemplate: Template) =>
    Object.keys(stackTemplate.findResources('AWS::CloudWatch::Alarm')).sort();

  it('runs the bundled relay with the app defaults, no reservation, its own log group, and only OPERATOR_TOPIC_ARN', () => {
    const id = ids(template);
    expect(only(template, 'AWS::Lambda::Function', id.relayFn).resource.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 30,
      MemorySize: 256,
      TracingConfig: { Mode: 'Active' },
      Role: getAtt(id.relayFnRole),
      LoggingConfig: { LogGroup: { Ref: id.relayFnLogs } },
    });
    // Like the API and webhook functions: reserving would need account headroom a relay does not need.
    expect(
      only(template, 'AWS::Lambda::Function', id.relayFn).resource.Properties.ReservedConcurrentExecutions,
    ).toBeUndefined();
    expect(only(template, 'AWS::Logs::LogGroup', id.relayFnLogs).resource.Properties).toEqual({
      RetentionInDays: 30,
    });
    expect(only(configured, 'AWS::Logs::LogGroup', 'AlarmRelayFunctionLogs').resource.Properties).toEqual({
      RetentionInDays: 90,
    });
    expect(environmentOf(template, 'AlarmRelayFunction')).toEqual({
      OPERATOR_TOPIC_ARN: { Ref: id.topics.operator },
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'enrich-job-watch',
      POWERTOOLS_METRICS_NAMESPACE: 'EnrichJobWatch',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
    expect(environmentOf(configured, 'AlarmRelayFunction').POWERTOOLS_LOG_LEVEL).toBe('DEBUG');
  });

  it('retries a failed relay twice over six hours, then keeps it in an SSE, TLS-only queue for 14 days', () => {
    const id = ids(template);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: id.relayFn },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21_600,
      DestinationConfig: { OnFailure: { Destination: getAtt(id.relayQueue) } },
    });
    expect(only(template, 'AWS::SQS::Queue', id.relayQueue).resource.Properties).toEqual({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: id.relayQueue }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: getAtt(id.relayQueue),
          },
        ],
      },
    });
  });

  it('may write its logs, trace, publish to the operator topic and record a failure, nothing more', () => {
    for (const stackTemplate of [template, configured]) {
      const id = ids(stackTemplate);
      expect(statementsOf(stackTemplate, id.relayFnRole)).toEqual([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: getAtt(id.relayFnLogs),
        },
        { Effect: 'Allow', Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: '*' },
        // Lambda sends the on-failure record with the function's role: SendMessage only.
        { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: getAtt(id.relayQueue) },
        // Not the job topics, and no KMS statement (the AWS managed key admits the account through SNS).
        { Effect: 'Allow', Action: ['sns:Publish'], Resource: { Ref: id.topics.operator } },
      ]);
    }
  });

  it('may be invoked by each alarm of this account only, one permission per alarm', () => {
    const id = ids(template);
    const permissions = Object.values(
      template.findResources('AWS::Lambda::Permission') as Record<string, Resource>,
    ).filter(
      ({ Properties }) => JSON.stringify(Properties.FunctionName) === JSON.stringify(getAtt(id.relayFn)),
    );
    const bySource = (properties: Record<string, unknown>) => JSON.stringify(properties.SourceArn);
    expect(
      permissions.map(({ Properties }) => Properties).sort((a, b) => bySource(a).localeCompare(bySource(b))),
    ).toEqual(
      alarmIds(template).map((alarmId) => ({
        Action: 'lambda:InvokeFunction',
        FunctionName: getAtt(id.relayFn),
        Principal: 'lambda.alarms.cloudwatch.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
        SourceArn: getAtt(alarmId),
      })),
    );
    // Every one of the 13 alarms (12 operations alarms and the relay's own) has exactly one.
    expect(permissions).toHaveLength(13);
  });

  it('alarms, through itself, when a notification ended in the failed queue', () => {
    const id = ids(template);
    expect(
      only(template, 'AWS::CloudWatch::Alarm', 'AlarmRelayFailuresAlarm').resource.Properties,
    ).toMatchObject({
      AlarmName: 'EnrichJobWatch-AlarmRelayFailures',
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: getAtt(id.relayQueue, 'QueueName') }],
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [getAtt(id.relayFn)],
      OKActions: [getAtt(id.relayFn)],
    });
  });
});
