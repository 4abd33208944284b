import { describe, expect, it } from 'vitest';
import {
  arnMatches,
  decide,
  deniedRequests,
  parseStatement,
  unexercisedGrants,
  UnsupportedPolicyError,
  type IamRequest,
} from '../support/iam-policy.js';

/**
 * The IAM evaluator the deploy-shaped role check (test/infra/deploy-shaped.test.ts) relies on:
 * what it allows, what it denies, and which grants it reports as unused.
 */

const TABLE = 'arn:aws:dynamodb:us-east-1:123456789012:table/jobs';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:events';
const KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const allow = (Action: string[], Resource: string[], Condition?: Record<string, Record<string, string[]>>) =>
  parseStatement({ Effect: 'Allow', Action, Resource, ...(Condition ? { Condition } : {}) }, 'test');
const request = (action: string, resource: string, context?: Record<string, string>): IamRequest => ({
  action,
  resource,
  origin: 'test',
  ...(context ? { context } : {}),
});

describe('the IAM evaluator', () => {
  it('allows a request an Allow statement names, and nothing else (implicit deny)', () => {
    const statements = [allow(['dynamodb:GetItem'], [TABLE])];
    expect(decide(statements, request('dynamodb:GetItem', TABLE))).toBe('allowed');
    // Action names ignore case, as in IAM.
    expect(decide(statements, request('DynamoDB:getitem', TABLE))).toBe('allowed');
    expect(decide(statements, request('dynamodb:PutItem', TABLE))).toBe('implicitly denied');
    expect(decide(statements, request('dynamodb:GetItem', `${TABLE}-other`))).toBe('implicitly denied');
    expect(decide(statements, request('dynamodb:GetItem', `${TABLE}/index/by-watch-queue`))).toBe(
      'implicitly denied',
    );
  });

  it('lets an explicit Deny win over any Allow', () => {
    const statements = [
      allow(['sns:*'], ['*']),
      parseStatement({ Effect: 'Deny', Action: 'sns:Publish', Resource: TOPIC }, 'deny'),
    ];
    expect(decide(statements, request('sns:Publish', TOPIC))).toBe('explicitly denied');
    expect(decide(statements, request('sns:Subscribe', TOPIC))).toBe('allowed');
  });

  it('matches * and ? within one ARN segment, and anything in the resource part', () => {
    const secret = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:companyenrich/api-key-??????';
    expect(
      arnMatches(secret, 'arn:aws:secretsmanager:us-east-1:123456789012:secret:companyenrich/api-key-AbCdEf'),
    ).toBe(true);
    // `?` is exactly one character: a longer name with the same prefix is another secret.
    expect(
      arnMatches(
        secret,
        'arn:aws:secretsmanager:us-east-1:123456789012:secret:companyenrich/api-key-prod-AbCdEf',
      ),
    ).toBe(false);
    const logGroup = 'arn:aws:logs:us-east-1:123456789012:log-group:poller:*';
    expect(arnMatches(logGroup, 'arn:aws:logs:us-east-1:123456789012:log-group:poller:log-stream:x')).toBe(
      true,
    );
    expect(arnMatches(logGroup, 'arn:aws:logs:us-east-1:123456789012:log-group:poller-2:log-stream:x')).toBe(
      false,
    );
    // A wildcard in the region does not reach into the account.
    expect(
      arnMatches('arn:aws:sns:us-*:123456789012:events', 'arn:aws:sns:us-east-1:123456789012:events'),
    ).toBe(true);
    // (Matched as one string, `*` would swallow `us-east-1:210987654321` here.)
    expect(
      arnMatches(
        'arn:aws:sns:*:123456789012:events',
        'arn:aws:sns:us-east-1:210987654321:123456789012:events',
      ),
    ).toBe(false);
    expect(arnMatches('*', TOPIC)).toBe(true);
  });

  it('supports NotAction and NotResource', () => {
    const statements = [
      parseStatement(
        { Effect: 'Allow', NotAction: 'dynamodb:DeleteItem', NotResource: `${TABLE}/index/*` },
        'not',
      ),
    ];
    expect(decide(statements, request('dynamodb:PutItem', TABLE))).toBe('allowed');
    expect(decide(statements, request('dynamodb:DeleteItem', TABLE))).toBe('implicitly denied');
    expect(decide(statements, request('dynamodb:Query', `${TABLE}/index/due`))).toBe('implicitly denied');
  });

  it('evaluates conditions: a missing key fails a positive operator, satisfies a negated one and ...IfExists', () => {
    const via = { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' };
    const equals = [
      allow(['kms:Decrypt'], [KEY], { StringEquals: { 'kms:ViaService': [via['kms:ViaService']] } }),
    ];
    expect(decide(equals, request('kms:Decrypt', KEY, via))).toBe('allowed');
    // Condition key names ignore case.
    expect(decide(equals, request('kms:Decrypt', KEY, { 'KMS:viaservice': via['kms:ViaService'] }))).toBe(
      'allowed',
    );
    expect(
      decide(equals, request('kms:Decrypt', KEY, { 'kms:ViaService': 'sns.us-east-1.amazonaws.com' })),
    ).toBe('implicitly denied');
    expect(decide(equals, request('kms:Decrypt', KEY))).toBe('implicitly denied');
    const notEquals = [allow(['kms:Decrypt'], [KEY], { StringNotEquals: { 'kms:ViaService': ['x'] } })];
    expect(decide(notEquals, request('kms:Decrypt', KEY))).toBe('allowed');
    const ifExists = [allow(['kms:Decrypt'], [KEY], { StringEqualsIfExists: { 'kms:ViaService': ['x'] } })];
    expect(decide(ifExists, request('kms:Decrypt', KEY))).toBe('allowed');
    expect(decide(ifExists, request('kms:Decrypt', KEY, via))).toBe('implicitly denied');
    const like = [allow(['kms:Decrypt'], [KEY], { StringLike: { 'kms:ViaService': ['secretsmanager.*'] } })];
    expect(decide(like, request('kms:Decrypt', KEY, via))).toBe('allowed');
  });

  it('refuses what it cannot evaluate instead of guessing', () => {
    const statements: unknown[] = [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/${aws:username}/*' },
      { Effect: 'Allow', Action: 'sns:Publish', Resource: TOPIC, Principal: '*' },
      {
        Effect: 'Allow',
        Action: 'sns:Publish',
        Resource: TOPIC,
        Condition: { IpAddress: { 'aws:SourceIp': '1.2.3.4' } },
      },
      {
        Effect: 'Allow',
        Action: 'sns:Publish',
        Resource: TOPIC,
        Condition: { 'ForAnyValue:StringEquals': { k: 'v' } },
      },
      { Effect: 'Allow', Action: 'sns:Publish' },
      { Effect: 'Maybe', Action: 'sns:Publish', Resource: TOPIC },
    ];
    for (const statement of statements) {
      expect(() => parseStatement(statement, 'unsupported'), JSON.stringify(statement)).toThrow(
        UnsupportedPolicyError,
      );
    }
  });

  it('lists each request denied once, with its origin', () => {
    const statements = [allow(['dynamodb:GetItem'], [TABLE])];
    const put = { ...request('dynamodb:PutItem', TABLE), origin: "the code's PutItem call" };
    expect(deniedRequests(statements, [request('dynamodb:GetItem', TABLE), put, put])).toEqual([
      `dynamodb:PutItem on ${TABLE} (the code's PutItem call): implicitly denied`,
    ]);
  });

  it('lists each granted action and resource no request uses, conditions included', () => {
    const statements = [
      allow(['dynamodb:GetItem', 'dynamodb:PutItem'], [TABLE, `${TABLE}-archive`]),
      allow(['kms:Decrypt'], [KEY], {
        StringEquals: { 'kms:ViaService': ['secretsmanager.us-east-1.amazonaws.com'] },
      }),
    ];
    const requests = [
      request('dynamodb:GetItem', TABLE),
      request('dynamodb:PutItem', TABLE),
      // Decrypt through SNS does not use a grant that holds only through Secrets Manager.
      request('kms:Decrypt', KEY, { 'kms:ViaService': 'sns.us-east-1.amazonaws.com' }),
    ];
    expect(unexercisedGrants(statements, requests)).toEqual([
      `dynamodb:GetItem on ${TABLE}-archive`,
      `dynamodb:PutItem on ${TABLE}-archive`,
      `kms:Decrypt on ${KEY} if {"StringEquals":{"kms:ViaService":["secretsmanager.us-east-1.amazonaws.com"]}}`,
    ]);
    // An open-ended grant cannot be shown to be used.
    const open = [parseStatement({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }, 'open')];
    expect(() => unexercisedGrants(open, requests)).toThrow(UnsupportedPolicyError);
  });
});
