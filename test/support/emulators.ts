import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { inject } from 'vitest';
import { jobsTableDefinition } from '../../functions/core/adapters/dynamodb/table.js';

const FAKE_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** A name no other test file uses, so files can share one emulator in parallel. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** SDK clients pointed at the run's moto server. */
export function motoClients(endpoint = inject('motoEndpoint')) {
  const config = { endpoint, region: 'us-east-1', credentials: FAKE_CREDENTIALS };
  return {
    endpoint,
    dynamoDb: new DynamoDBClient(config),
    sns: new SNSClient(config),
    sqs: new SQSClient(config),
    secretsManager: new SecretsManagerClient(config),
  };
}

/** A DynamoDB client for a dynalite (or any) endpoint. */
export function dynamoDbClientFor(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: FAKE_CREDENTIALS });
}

/** Creates the jobs table exactly as the store defines it. */
export async function createJobsTable(
  client: DynamoDBClient,
  tableName = uniqueName('jobs'),
): Promise<string> {
  await client.send(new CreateTableCommand(jobsTableDefinition(tableName)));
  return tableName;
}

/** Creates a topic with a unique name. */
export async function createTopic(sns: SNSClient, name = uniqueName('notifications')): Promise<string> {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
  if (!TopicArn) throw new Error('moto returned no TopicArn');
  return TopicArn;
}

/** An SQS queue subscribed to a topic: it receives exactly what a real SQS subscriber would. */
export async function subscribeQueue(
  clients: { sns: SNSClient; sqs: SQSClient },
  topicArn: string,
  options: {
    filterPolicy?: Record<string, unknown>;
    filterPolicyScope?: 'MessageAttributes' | 'MessageBody';
  } = {},
): Promise<string> {
  const { QueueUrl } = await clients.sqs.send(
    new CreateQueueCommand({ QueueName: uniqueName('subscriber') }),
  );
  if (!QueueUrl) throw new Error('moto returned no QueueUrl');
  const { Attributes } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const attributes: Record<string, string> = {};
  if (options.filterPolicy) attributes.FilterPolicy = JSON.stringify(options.filterPolicy);
  if (options.filterPolicyScope) attributes.FilterPolicyScope = options.filterPolicyScope;
  await clients.sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: Attributes?.QueueArn,
      Attributes: attributes,
    }),
  );
  return QueueUrl;
}

/** The SNS envelope an SQS subscriber receives (raw delivery off). */
export interface SnsEnvelope {
  Message: string;
  Subject?: string;
  MessageId: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

/** Drains a queue: every message currently in it, parsed as SNS envelopes. */
export async function drainQueue(sqs: SQSClient, queueUrl: string): Promise<SnsEnvelope[]> {
  const messages: Message[] = [];
  for (;;) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 300 }),
    );
    if (!Messages || Messages.length === 0) break;
    messages.push(...Messages);
  }
  return messages.map((message) => JSON.parse(message.Body ?? '{}') as SnsEnvelope);
}
