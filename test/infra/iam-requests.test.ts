import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  startAwsCallRecorder,
  type AwsCallRecorder,
  type RecordedCall,
} from '../support/aws-call-recorder.js';
import { uniqueName } from '../support/emulators.js';
import { iamRequestsOf } from '../support/iam-requests.js';

/**
 * How the deploy-shaped role check sees the function's AWS calls: the recorder in front of moto,
 * and the IAM request (action and resource ARN) behind each recorded call.
 */

const TABLE = 'arn:aws:dynamodb:us-east-1:123456789012:table/jobs';

/** A SigV4-signed call as the SDK sends it (only what the mapping reads). */
function signedCall(service: string, fields: Partial<RecordedCall>): RecordedCall {
  return {
    method: 'POST',
    path: '/',
    body: '',
    status: 200,
    responseBody: '',
    answerLost: false,
    ...fields,
    headers: {
      authorization: `AWS4-HMAC-SHA256 Credential=test/20261129/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
      ...fields.headers,
    },
  };
}

describe('IAM requests of recorded calls', () => {
  const dynamoDb = (operation: string, body: Record<string, unknown>) =>
    signedCall('dynamodb', {
      headers: { 'x-amz-target': `DynamoDB_20120810.${operation}` },
      body: JSON.stringify(body),
    });

  it('authorizes DynamoDB item calls on the table, and Query on the index it reads', () => {
    expect(iamRequestsOf(dynamoDb('UpdateItem', { TableName: 'jobs', Key: {} }), '123456789012')).toEqual([
      { action: 'dynamodb:UpdateItem', resource: TABLE, origin: "the code's UpdateItem call" },
    ]);
    expect(
      iamRequestsOf(
        dynamoDb('Query', { TableName: 'jobs', IndexName: 'by-watch-queue' }),
        '123456789012',
      ).map(({ action, resource }) => [action, resource]),
    ).toEqual([['dynamodb:Query', `${TABLE}/index/by-watch-queue`]]);
    expect(iamRequestsOf(dynamoDb('Query', { TableName: 'jobs' }), '123456789012')[0]?.resource).toBe(TABLE);
  });

  it('authorizes BatchGetItem on each table it names, and refuses one that names none', () => {
    const batchGet = (requestItems: Record<string, unknown>) =>
      iamRequestsOf(dynamoDb('BatchGetItem', { RequestItems: requestItems }), '123456789012').map(
        ({ action, resource }) => [action, resource],
      );
    expect(batchGet({ jobs: { Keys: [] } })).toEqual([['dynamodb:BatchGetItem', TABLE]]);
    expect(() => batchGet({})).toThrow(/BatchGetItem without RequestItems/);
  });

  it('authorizes a secret read on the ARN Secrets Manager answered with (the call may use the name)', () => {
    const secretArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:companyenrich/api-key-AbCdEf';
    const call = signedCall('secretsmanager', {
      headers: { 'x-amz-target': 'secretsmanager.GetSecretValue' },
      body: JSON.stringify({ SecretId: 'companyenrich/api-key' }),
      responseBody: JSON.stringify({ ARN: secretArn, SecretString: 'k' }),
    });
    expect(iamRequestsOf(call, '123456789012').map(({ action, resource }) => [action, resource])).toEqual([
      ['secretsmanager:GetSecretValue', secretArn],
    ]);
    // A failed read by name: the ARN is unknown, and saying so beats guessing.
    expect(() => iamRequestsOf({ ...call, status: 400, responseBody: '{}' }, '123456789012')).toThrow(
      /ARN is unknown/,
    );
  });

  it('refuses calls it has no resource mapping for, and requests that are not AWS calls', () => {
    expect(() => iamRequestsOf(dynamoDb('BatchWriteItem', { RequestItems: {} }), '123456789012')).toThrow(
      /dynamodb:BatchWriteItem: no IAM resource mapping/,
    );
    expect(() => iamRequestsOf({ ...dynamoDb('GetItem', {}), headers: {} }, '123456789012')).toThrow(/SigV4/);
    expect(() => iamRequestsOf(dynamoDb('GetItem', { Key: {} }), '123456789012')).toThrow(
      /without TableName/,
    );
  });
});

describe('the call recorder, in front of moto', () => {
  let recorder: AwsCallRecorder;
  let sns: SNSClient;

  beforeAll(async () => {
    recorder = await startAwsCallRecorder(inject('motoEndpoint'));
    sns = new SNSClient({
      endpoint: recorder.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });

  afterAll(async () => {
    sns.destroy();
    await recorder.close();
  });

  it('passes the SDK calls through and records each, so the Publish is sns:Publish on the topic', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: uniqueName('recorded') }));
    const { MessageId } = await sns.send(new PublishCommand({ TopicArn, Message: 'hello' }));
    expect(MessageId).toMatch(/\S/);
    const [create, publish, ...rest] = recorder.drain();
    expect(rest).toEqual([]);
    expect(create?.status).toBe(200);
    expect(create?.responseBody).toContain(TopicArn);
    if (!publish) throw new Error('the Publish was not recorded');
    expect(iamRequestsOf(publish, '123456789012')).toEqual([
      { action: 'sns:Publish', resource: TopicArn, origin: "the code's Publish call" },
    ]);
    // Drained: recorded once.
    expect(recorder.drain()).toEqual([]);
  });
});
