import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduledPoller } from '../../infra/constructs/scheduled-poller.js';
import { EnrichJobWatchStack } from '../../infra/enrich-job-watch-stack.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

/** The feature flags `cdk synth` runs with, so the tests see the template the CLI produces. */
function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

function only(template: Template, type: string): { id: string; resource: Resource } {
  const found = Object.entries(template.findResources(type) as Record<string, Resource>);
  expect(found, type).toHaveLength(1);
  const [id, resource] = found[0] ?? ['', { Type: type, Properties: {} }];
  return { id, resource };
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

let outdir: string;
let template: Template;
let ephemeral: Template;
let ids: {
  table: string;
  topics: { events: string; email: string; sms: string };
  secret: string;
  fn: string;
  role: string;
  rule: string;
  logs: string;
};

/** The logical ids of the three channel topics, told apart by their construct paths. */
function topicIds(stackTemplate: Template): { events: string; email: string; sms: string } {
  const topics = stackTemplate.findResources('AWS::SNS::Topic') as Record<string, Resource>;
  expect(Object.keys(topics)).toHaveLength(3);
  const find = (fragment: string): string => {
    const id = Object.keys(topics).find((logicalId) => logicalId.includes(fragment));
    if (!id) throw new Error(`no ${fragment} topic`);
    return id;
  };
  return { events: find('EventsTopic'), email: find('EmailTopic'), sms: find('SmsTopic') };
}

beforeAll(() => {
  outdir = mkdtempSync(path.join(os.tmpdir(), 'enrich-job-watch-stack-test-'));
  // The built-in CloudFormation validation runs in synth.test.ts (the CLI synth) with cfn-lint; skipping it here saves seconds.
  const app = new App({ outdir, context: cdkJsonContext(), builtinCloudFormationValidation: false });
  const stack = new EnrichJobWatchStack(app, 'EnrichJobWatch');
  // Same function code, so esbuild runs once for both stacks.
  const testStack = new EnrichJobWatchStack(app, 'Ephemeral', {
    removalPolicy: RemovalPolicy.DESTROY,
    pollInterval: Duration.minutes(5),
  });
  template = Template.fromStack(stack);
  ephemeral = Template.fromStack(testStack);
  const fn = only(template, 'AWS::Lambda::Function');
  ids = {
    table: only(template, 'AWS::DynamoDB::Table').id,
    topics: topicIds(template),
    secret: only(template, 'AWS::SecretsManager::Secret').id,
    fn: fn.id,
    role: only(template, 'AWS::IAM::Role').id,
    rule: only(template, 'AWS::Events::Rule').id,
    logs: only(template, 'AWS::Logs::LogGroup').id,
  };
}, 60_000);

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
});

describe('jobs table', () => {
  it('has the adapter key schema, the sparse due index (ALL projection), TTL, PITR and on-demand billing', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'watch_queue', AttributeType: 'S' },
        { AttributeName: 'next_check_at', AttributeType: 'S' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'by-next-check',
          KeySchema: [
            { AttributeName: 'watch_queue', KeyType: 'HASH' },
            { AttributeName: 'next_check_at', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      ProvisionedThroughput: Match.absent(),
    });
  });

  it('is retained by default and destroyed in a stack that asks for it', () => {
    expect(only(template, 'AWS::DynamoDB::Table').resource.DeletionPolicy).toBe('Retain');
    expect(only(ephemeral, 'AWS::DynamoDB::Table').resource.DeletionPolicy).toBe('Delete');
    for (const type of ['AWS::SecretsManager::Secret', 'AWS::Logs::LogGroup']) {
      expect(only(template, type).resource.DeletionPolicy, type).toBe('Retain');
      expect(only(ephemeral, type).resource.DeletionPolicy, type).toBe('Delete');
    }
  });
});

describe('schedule', () => {
  it('runs the poll function every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [{ Arn: { 'Fn::GetAtt': [ids.fn, 'Arn'] }, Id: Match.anyValue() }],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [ids.fn, 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [ids.rule, 'Arn'] },
    });
  });

  it('follows the configured interval, and tells the function the same interval', () => {
    ephemeral.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    const fn = only(ephemeral, 'AWS::Lambda::Function').resource;
    expect(fn.Properties).toMatchObject({ Environment: { Variables: { POLL_INTERVAL_SECONDS: '300' } } });
  });

  it('refuses a timeout that is not shorter than the interval', () => {
    expect(
      () =>
        new ScheduledPoller(new Stack(), 'Poller', {
          interval: Duration.minutes(1),
          timeout: Duration.seconds(60),
        }),
    ).toThrow(/timeout \(1 minute\) must be shorter than interval \(1 minute\)/);
  });
});

describe('poll function', () => {
  it('runs the bundled handler on Node 22 / arm64 with a timeout inside the interval', () => {
    expect(only(template, 'AWS::Lambda::Function').resource.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 50,
      MemorySize: 256,
      TracingConfig: { Mode: 'Active' },
      Role: { 'Fn::GetAtt': [ids.role, 'Arn'] },
      LoggingConfig: { LogGroup: { Ref: ids.logs } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: ids.fn },
      MaximumRetryAttempts: 0,
    });
  });

  it('gets resource names and the secret ARN in its environment, never the API key', () => {
    const { Environment } = only(template, 'AWS::Lambda::Function').resource.Properties as {
      Environment: { Variables: Record<string, unknown> };
    };
    expect(Environment.Variables).toEqual({
      JOBS_TABLE_NAME: { Ref: ids.table },
      EVENTS_TOPIC_ARN: { Ref: ids.topics.events },
      EMAIL_TOPIC_ARN: { Ref: ids.topics.email },
      SMS_TOPIC_ARN: { Ref: ids.topics.sms },
      COMPANYENRICH_API_KEY_SECRET_ARN: { Ref: ids.secret },
      POLL_INTERVAL_SECONDS: '60',
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'enrich-job-watch',
      POWERTOOLS_METRICS_NAMESPACE: 'EnrichJobWatch',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
  });

  it('is granted exactly its table and index, topic and secret', () => {
    const policies = Object.values(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: ids.role }] } }) as Record<
        string,
        Resource
      >,
    );
    const statements = policies.flatMap(
      (policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
    );
    const resourcesByAction = new Map<string, unknown[]>();
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      for (const action of asArray(statement.Action)) {
        resourcesByAction.set(action, [
          ...(resourcesByAction.get(action) ?? []),
          ...asArray(statement.Resource),
        ]);
      }
    }

    const tableArn = { 'Fn::GetAtt': [ids.table, 'Arn'] };
    const indexArn = { 'Fn::Join': ['', [tableArn, '/index/*']] };
    expect(Object.fromEntries(resourcesByAction)).toEqual({
      'dynamodb:GetItem': [tableArn, indexArn],
      'dynamodb:PutItem': [tableArn, indexArn],
      'dynamodb:UpdateItem': [tableArn, indexArn],
      'dynamodb:Query': [tableArn, indexArn],
      // IAM policy minimisation orders the topics by logical id.
      'sns:Publish': [{ Ref: ids.topics.events }, { Ref: ids.topics.email }, { Ref: ids.topics.sms }].sort(
        (a, b) => a.Ref.localeCompare(b.Ref),
      ),
      'secretsmanager:GetSecretValue': [{ Ref: ids.secret }],
      'secretsmanager:DescribeSecret': [{ Ref: ids.secret }],
      // X-Ray has no resource-level permissions.
      'xray:PutTraceSegments': ['*'],
      'xray:PutTelemetryRecords': ['*'],
    });
  });

  it('still matches the calls the job-store adapter makes (a tripwire for the DynamoDB actions above)', () => {
    const adapter = readFileSync(
      path.join(REPO_ROOT, 'functions/core/adapters/dynamodb-job-store.ts'),
      'utf8',
    );
    const imported = /import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/lib-dynamodb'/.exec(adapter)?.[1] ?? '';
    const calls = imported
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '' && !name.startsWith('type '));
    // paginateScan is the CLI's `list`, which runs with the operator's credentials, not the function's.
    expect(
      calls.sort(),
      'a new DynamoDB call: revisit JOB_STORE_ACTIONS in infra/constructs/job-store.ts',
    ).toEqual(['GetCommand', 'PutCommand', 'UpdateCommand', 'paginateQuery', 'paginateScan']);
  });

  it('has no wildcard action or resource anywhere in the template except what X-Ray requires', () => {
    const statements = Object.values(
      template.findResources('AWS::IAM::Policy') as Record<string, Resource>,
    ).flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    for (const statement of statements) {
      expect(asArray(statement.Action).filter((action) => action.includes('*'))).toEqual([]);
      if (asArray(statement.Resource).includes('*')) {
        expect(asArray(statement.Action).every((action) => action.startsWith('xray:'))).toBe(true);
      }
    }
    // Logs go through the AWS managed basic execution policy (CreateLogStream/PutLogEvents).
    template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: [
        {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
          ],
        },
      ],
    });
  });
});

describe('API key secret and outputs', () => {
  it('creates the secret empty, for the operator to fill', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.absent(),
      SecretString: Match.absent(),
    });
  });

  it('outputs the table name, the topic ARN and the command that stores the key', () => {
    template.hasOutput('JobsTableName', { Value: { Ref: ids.table } });
    template.hasOutput('EventsTopicArn', { Value: { Ref: ids.topics.events } });
    template.hasOutput('EmailTopicArn', { Value: { Ref: ids.topics.email } });
    template.hasOutput('SmsTopicArn', { Value: { Ref: ids.topics.sms } });
    template.hasOutput('SetApiKeyCommand', {
      Value: {
        'Fn::Join': [
          '',
          [
            'read -rs COMPANYENRICH_API_KEY && aws secretsmanager put-secret-value --region ',
            { Ref: 'AWS::Region' },
            ' --secret-id ',
            { Ref: ids.secret },
            ' --secret-string "$COMPANYENRICH_API_KEY"',
          ],
        ],
      },
    });
  });
});
