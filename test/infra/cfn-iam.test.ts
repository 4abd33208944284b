import { beforeAll, describe, expect, it } from 'vitest';
import {
  functionRoleId,
  provideServiceSideResources,
  roleStatements,
  serviceSideRequests,
} from '../support/cfn-iam.js';
import { ReferenceResolver, type CfnTemplate } from '../support/cloud-assembly.js';
import { unexercisedGrants, type IamRequest, type PolicyStatement } from '../support/iam-policy.js';

/**
 * The template side of the deploy-shaped role check: the function's role statements with the
 * references resolved, and the requests AWS makes with the role on the function's behalf.
 */

const request = (action: string, resource: string, context?: Record<string, string>): IamRequest => ({
  action,
  resource,
  origin: 'test',
  ...(context ? { context } : {}),
});

describe('the role in a template, and what AWS does with it for the function', () => {
  const template: CfnTemplate = {
    Resources: {
      Key: { Type: 'AWS::KMS::Key', Properties: {} },
      Logs: { Type: 'AWS::Logs::LogGroup', Properties: {} },
      Topic: { Type: 'AWS::SNS::Topic', Properties: { KmsMasterKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } } },
      ManagedKeyTopic: { Type: 'AWS::SNS::Topic', Properties: { KmsMasterKeyId: 'alias/aws/sns' } },
      // What `Alias.fromAliasName(scope, id, 'alias/aws/sns')` puts in a template: the alias ARN.
      ManagedKeyArnTopic: {
        Type: 'AWS::SNS::Topic',
        Properties: {
          KmsMasterKeyId: {
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
          },
        },
      },
      Secret: {
        Type: 'AWS::SecretsManager::Secret',
        Properties: { KmsKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } },
      },
      Role: { Type: 'AWS::IAM::Role', Properties: {} },
      Policy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          Roles: [{ Ref: 'Role' }],
          PolicyDocument: {
            Statement: [
              {
                Effect: 'Allow',
                Action: 'sns:Publish',
                Resource: [{ Ref: 'Topic' }, { Ref: 'ManagedKeyTopic' }, { Ref: 'ManagedKeyArnTopic' }],
              },
              {
                Effect: 'Allow',
                Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
                Resource: { 'Fn::GetAtt': ['Key', 'Arn'] },
              },
            ],
          },
        },
      },
      OtherPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: { Roles: [{ Ref: 'OtherRole' }], PolicyDocument: { Statement: [] } },
      },
      FailedQueue: { Type: 'AWS::SQS::Queue', Properties: {} },
      FunctionInvokeConfig: {
        Type: 'AWS::Lambda::EventInvokeConfig',
        Properties: {
          FunctionName: { Ref: 'Function' },
          Qualifier: '$LATEST',
          DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['FailedQueue', 'Arn'] } } },
        },
      },
      Function: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
          LoggingConfig: { LogGroup: { Ref: 'Logs' } },
          TracingConfig: { Mode: 'Active' },
        },
      },
    },
  };
  const topicArn = 'arn:aws:sns:us-east-1:123456789012:topic';
  const managedTopicArn = 'arn:aws:sns:us-east-1:123456789012:managed';
  const managedArnTopicArn = 'arn:aws:sns:us-east-1:123456789012:managed-by-arn';
  const secretArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:api-key-AbCdEf';
  let resolver: ReferenceResolver;
  let statements: PolicyStatement[];

  beforeAll(() => {
    resolver = new ReferenceResolver(template, {
      'AWS::AccountId': '123456789012',
      'AWS::Region': 'us-east-1',
      'AWS::Partition': 'aws',
      'AWS::StackName': 'Stack',
    });
    resolver.provide('Topic', { ref: topicArn });
    resolver.provide('ManagedKeyTopic', { ref: managedTopicArn });
    resolver.provide('ManagedKeyArnTopic', { ref: managedArnTopicArn });
    resolver.provide('Secret', { ref: secretArn });
    provideServiceSideResources(template, resolver);
    statements = roleStatements(template, functionRoleId(template, 'Function'), resolver);
  });

  it("reads the function's role policies with the references resolved (and no other role's)", () => {
    const keyArn = resolver.resolveString({ 'Fn::GetAtt': ['Key', 'Arn'] });
    expect(keyArn).toMatch(/^arn:aws:kms:us-east-1:123456789012:key\/[0-9a-f-]{36}$/);
    expect(statements).toEqual([
      { Effect: 'Allow', Action: ['sns:Publish'], Resource: [topicArn, managedTopicArn, managedArnTopicArn] },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: [keyArn] },
    ]);
  });

  it('adds the log, trace and key calls AWS makes with the role, following what the code called', () => {
    const apiRequests = [
      request('sns:Publish', topicArn),
      request('sns:Publish', managedTopicArn),
      request('sns:Publish', managedArnTopicArn),
    ];
    const requests = serviceSideRequests({
      template,
      functionId: 'Function',
      resolver,
      invocations: 1,
      apiRequests,
    });
    const logGroup = resolver.resolveString({ Ref: 'Logs' });
    expect(logGroup).toMatch(/^Stack-Logs-[0-9A-F]{12}$/);
    const keyArn = resolver.resolveString({ 'Fn::GetAtt': ['Key', 'Arn'] });
    expect(
      requests.map(({ action, resource }) => [action, resource.replace(/:log-stream:.*/, ':log-stream:…')]),
    ).toEqual([
      ['logs:CreateLogStream', `arn:aws:logs:us-east-1:123456789012:log-group:${logGroup}:log-stream:…`],
      ['logs:PutLogEvents', `arn:aws:logs:us-east-1:123456789012:log-group:${logGroup}:log-stream:…`],
      ['xray:PutTraceSegments', '*'],
      ['xray:PutTelemetryRecords', '*'],
      // Only the topic with a customer managed key: the AWS managed key (by alias or its ARN) needs no grant.
      ['kms:GenerateDataKey', keyArn],
      ['kms:Decrypt', keyArn],
    ]);
    // Not invoked, nothing published: AWS did nothing for it.
    expect(
      serviceSideRequests({ template, functionId: 'Function', resolver, invocations: 0, apiRequests: [] }),
    ).toEqual([]);
  });

  it("adds Lambda's delivery to the on-failure queue for each asynchronous invocation that failed every attempt", () => {
    const failed = (failedInvocations: number) =>
      serviceSideRequests({
        template,
        functionId: 'Function',
        resolver,
        invocations: 0,
        failedInvocations,
        apiRequests: [],
      });
    const queueArn = resolver.resolveString({ 'Fn::GetAtt': ['FailedQueue', 'Arn'] });
    expect(queueArn).toMatch(/^arn:aws:sqs:us-east-1:123456789012:Stack-FailedQueue-[0-9A-F]{12}$/);
    expect(failed(1)).toEqual([
      {
        action: 'sqs:SendMessage',
        resource: queueArn,
        origin: "Lambda, sending a failed invocation's record to the on-failure destination",
      },
    ]);
    expect(failed(0)).toEqual([]);
  });

  it('adds the decryption Secrets Manager asks for when the code reads a secret kept with a customer managed key', () => {
    const requests = serviceSideRequests({
      template,
      functionId: 'Function',
      resolver,
      invocations: 0,
      apiRequests: [request('secretsmanager:GetSecretValue', secretArn)],
    });
    expect(requests).toEqual([
      {
        action: 'kms:Decrypt',
        resource: resolver.resolveString({ 'Fn::GetAtt': ['Key', 'Arn'] }),
        context: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' },
        origin: `Secrets Manager, decrypting ${secretArn} for the code`,
      },
    ]);
  });

  it('makes an unused key grant show when the code never publishes to an encrypted topic', () => {
    const requests = serviceSideRequests({
      template,
      functionId: 'Function',
      resolver,
      invocations: 1,
      apiRequests: [request('sns:Publish', managedTopicArn)],
    });
    const keyArn = resolver.resolveString({ 'Fn::GetAtt': ['Key', 'Arn'] });
    expect(unexercisedGrants(statements, [request('sns:Publish', managedTopicArn), ...requests])).toEqual([
      `sns:Publish on ${topicArn}`,
      `sns:Publish on ${managedArnTopicArn}`,
      `kms:Decrypt on ${keyArn}`,
      `kms:GenerateDataKey on ${keyArn}`,
    ]);
  });
});
