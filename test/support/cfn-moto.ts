import { randomBytes } from 'node:crypto';
import {
  CreateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type BillingMode,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type LocalSecondaryIndex,
  type Projection,
  type ProvisionedThroughput,
  type TimeToLiveSpecification,
} from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import {
  findResources,
  type CfnTemplate,
  type ProvidedResource,
  type ReferenceResolver,
} from './cloud-assembly.js';
import { uniqueName } from './emulators.js';

/**
 * Creates a template's tables, topics and secrets in moto, from their template properties, and
 * tells the resolver what their `Ref`/`Fn::GetAtt` are. Every property is either applied,
 * deliberately ignored (with the reason below), or rejected: a property nobody decided about
 * fails the test instead of being dropped.
 *
 * Names are unique per call (CloudFormation names these resources itself; the template sets no
 * names), so test files sharing the moto server do not collide.
 */

type Check<T> = (value: unknown) => value is T;

/** Template values the mappers copy must be literals: this is where an intrinsic would slip through. */
function literal<T>(value: unknown, where: string, check: Check<T>): T {
  if (!check(value)) throw new Error(`${where}: unsupported value ${JSON.stringify(value)}`);
  return value;
}

const isString: Check<string> = (value) => typeof value === 'string';
const isBoolean: Check<boolean> = (value) => typeof value === 'boolean';
const isNumber: Check<number> = (value) => typeof value === 'number';
const isList: Check<unknown[]> = (value) => Array.isArray(value);
/** A plain object, not an intrinsic function. */
const isRecord: Check<Record<string, unknown>> = (value): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  !Object.keys(value).some((key) => key === 'Ref' || key.startsWith('Fn::'));
function oneOf<const T extends string>(...allowed: T[]): Check<T> {
  return (value): value is T => typeof value === 'string' && (allowed as string[]).includes(value);
}

function unknownProperties(
  properties: Record<string, unknown>,
  known: readonly string[],
  where: string,
): void {
  const unknown = Object.keys(properties).filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `${where}: no decision about ${unknown.join(', ')}; map it in test/support/cfn-moto.ts or list it as ignored, with the reason`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// AWS::DynamoDB::Table

const TABLE_APPLIED = [
  'AttributeDefinitions',
  'KeySchema',
  'BillingMode',
  'ProvisionedThroughput',
  'GlobalSecondaryIndexes',
  'LocalSecondaryIndexes',
  'StreamSpecification',
  'TimeToLiveSpecification',
] as const;

/**
 * Accepted, not reproduced: none of them changes what the function reads or writes.
 * - TableName: replaced by a unique name (the template sets none; CloudFormation generates one).
 * - PointInTimeRecoverySpecification, DeletionProtectionEnabled, TableClass, Tags,
 *   ContributorInsightsSpecification, WarmThroughput, ResourcePolicy: operations and billing.
 * - SSESpecification: encryption at rest is transparent to callers; moto does not encrypt, and
 *   a customer-managed key from the template is not created here.
 */
const TABLE_IGNORED = [
  'TableName',
  'PointInTimeRecoverySpecification',
  'DeletionProtectionEnabled',
  'TableClass',
  'Tags',
  'ContributorInsightsSpecification',
  'WarmThroughput',
  'ResourcePolicy',
  'SSESpecification',
] as const;

const INDEX_APPLIED = ['IndexName', 'KeySchema', 'Projection', 'ProvisionedThroughput'];
/** Accepted, not reproduced (operations and billing), as for the table. */
const INDEX_IGNORED = ['ContributorInsightsSpecification', 'WarmThroughput', 'OnDemandThroughput'];

function keySchema(value: unknown, where: string): KeySchemaElement[] {
  return literal(value, where, isList).map((item, position) => {
    const element = literal(item, `${where}[${position}]`, isRecord);
    return {
      AttributeName: literal(element.AttributeName, `${where}[${position}].AttributeName`, isString),
      KeyType: literal(element.KeyType, `${where}[${position}].KeyType`, oneOf('HASH', 'RANGE')),
    };
  });
}

function attributeDefinitions(value: unknown, where: string): AttributeDefinition[] {
  return literal(value, where, isList).map((item, position) => {
    const definition = literal(item, `${where}[${position}]`, isRecord);
    return {
      AttributeName: literal(definition.AttributeName, `${where}[${position}].AttributeName`, isString),
      AttributeType: literal(
        definition.AttributeType,
        `${where}[${position}].AttributeType`,
        oneOf('S', 'N', 'B'),
      ),
    };
  });
}

function projection(value: unknown, where: string): Projection {
  const { ProjectionType, NonKeyAttributes, ...rest } = literal(value, where, isRecord);
  unknownProperties(rest, [], where);
  return {
    ...(ProjectionType === undefined
      ? {}
      : {
          ProjectionType: literal(
            ProjectionType,
            `${where}.ProjectionType`,
            oneOf('ALL', 'KEYS_ONLY', 'INCLUDE'),
          ),
        }),
    ...(NonKeyAttributes === undefined
      ? {}
      : {
          NonKeyAttributes: literal(NonKeyAttributes, `${where}.NonKeyAttributes`, isList).map(
            (name, position) => literal(name, `${where}.NonKeyAttributes[${position}]`, isString),
          ),
        }),
  };
}

function throughput(value: unknown, where: string): ProvisionedThroughput {
  const units = literal(value, where, isRecord);
  return {
    ReadCapacityUnits: literal(units.ReadCapacityUnits, `${where}.ReadCapacityUnits`, isNumber),
    WriteCapacityUnits: literal(units.WriteCapacityUnits, `${where}.WriteCapacityUnits`, isNumber),
  };
}

function secondaryIndex(value: unknown, where: string): GlobalSecondaryIndex {
  const properties = literal(value, where, isRecord);
  unknownProperties(properties, [...INDEX_APPLIED, ...INDEX_IGNORED], where);
  return {
    IndexName: literal(properties.IndexName, `${where}.IndexName`, isString),
    KeySchema: keySchema(properties.KeySchema, `${where}.KeySchema`),
    Projection: projection(properties.Projection, `${where}.Projection`),
    ...(properties.ProvisionedThroughput === undefined
      ? {}
      : {
          ProvisionedThroughput: throughput(
            properties.ProvisionedThroughput,
            `${where}.ProvisionedThroughput`,
          ),
        }),
  };
}

/** CreateTable (and UpdateTimeToLive) input for a template's table, under `tableName`. */
export function tableFromTemplate(
  logicalId: string,
  properties: Record<string, unknown>,
  tableName: string,
): { create: CreateTableCommandInput; timeToLive: TimeToLiveSpecification | null } {
  unknownProperties(properties, [...TABLE_APPLIED, ...TABLE_IGNORED], logicalId);
  const where = (name: string): string => `${logicalId}.${name}`;
  const create: CreateTableCommandInput = {
    TableName: tableName,
    // CloudFormation's default, as for CreateTable.
    BillingMode: literal<BillingMode>(
      properties.BillingMode ?? 'PROVISIONED',
      where('BillingMode'),
      oneOf('PROVISIONED', 'PAY_PER_REQUEST'),
    ),
    AttributeDefinitions: attributeDefinitions(
      properties.AttributeDefinitions,
      where('AttributeDefinitions'),
    ),
    KeySchema: keySchema(properties.KeySchema, where('KeySchema')),
  };
  if (properties.ProvisionedThroughput !== undefined) {
    create.ProvisionedThroughput = throughput(
      properties.ProvisionedThroughput,
      where('ProvisionedThroughput'),
    );
  }
  if (properties.GlobalSecondaryIndexes !== undefined) {
    create.GlobalSecondaryIndexes = literal(
      properties.GlobalSecondaryIndexes,
      where('GlobalSecondaryIndexes'),
      isList,
    ).map((gsi, position) => secondaryIndex(gsi, where(`GlobalSecondaryIndexes[${position}]`)));
  }
  if (properties.LocalSecondaryIndexes !== undefined) {
    create.LocalSecondaryIndexes = literal(
      properties.LocalSecondaryIndexes,
      where('LocalSecondaryIndexes'),
      isList,
    ).map((lsi, position): LocalSecondaryIndex => {
      const { IndexName, KeySchema, Projection } = secondaryIndex(
        lsi,
        where(`LocalSecondaryIndexes[${position}]`),
      );
      return { IndexName, KeySchema, Projection };
    });
  }
  if (properties.StreamSpecification !== undefined) {
    const stream = literal(properties.StreamSpecification, where('StreamSpecification'), isRecord);
    create.StreamSpecification = {
      StreamEnabled: true,
      StreamViewType: literal(
        stream.StreamViewType,
        where('StreamSpecification.StreamViewType'),
        oneOf('KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES'),
      ),
    };
  }
  let timeToLive: TimeToLiveSpecification | null = null;
  if (properties.TimeToLiveSpecification !== undefined) {
    const ttl = literal(properties.TimeToLiveSpecification, where('TimeToLiveSpecification'), isRecord);
    timeToLive = {
      AttributeName: literal(ttl.AttributeName, where('TimeToLiveSpecification.AttributeName'), isString),
      Enabled: literal(ttl.Enabled ?? false, where('TimeToLiveSpecification.Enabled'), isBoolean),
    };
  }
  return { create, timeToLive };
}

async function createTable(
  dynamoDb: DynamoDBClient,
  logicalId: string,
  properties: Record<string, unknown>,
): Promise<ProvidedResource> {
  const { create, timeToLive } = tableFromTemplate(
    logicalId,
    properties,
    uniqueName(`cfn-${logicalId}`.slice(0, 200)),
  );
  const { TableDescription } = await dynamoDb.send(new CreateTableCommand(create));
  // moto records TTL (DescribeTimeToLive reports it) but never expires items.
  if (timeToLive?.Enabled) {
    await dynamoDb.send(
      new UpdateTimeToLiveCommand({ TableName: create.TableName, TimeToLiveSpecification: timeToLive }),
    );
  }
  const tableName = TableDescription?.TableName;
  const arn = TableDescription?.TableArn;
  if (!tableName || !arn) throw new Error(`moto returned no table description for ${logicalId}`);
  return {
    ref: tableName,
    attributes: {
      Arn: arn,
      ...(TableDescription.LatestStreamArn ? { StreamArn: TableDescription.LatestStreamArn } : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// AWS::SNS::Topic

const TOPIC_APPLIED = [
  'DisplayName',
  'FifoTopic',
  'ContentBasedDeduplication',
  'SignatureVersion',
  'KmsMasterKeyId',
];

/**
 * Accepted, not reproduced:
 * - TopicName: replaced by a unique name.
 * - Subscription (inline subscribers), DeliveryStatusLogging, TracingConfig, DataProtectionPolicy,
 *   ArchivePolicy, Tags: the test's SQS queues are the subscribers; the rest is operations.
 */
const TOPIC_IGNORED = [
  'TopicName',
  'Subscription',
  'DeliveryStatusLogging',
  'TracingConfig',
  'DataProtectionPolicy',
  'ArchivePolicy',
  'Tags',
];

/** The SNS-managed key: moto accepts it as a plain alias (it accepts any key id, and encrypts nothing). */
export const SNS_MANAGED_KEY = 'alias/aws/sns';

/** CreateTopic attributes for a template's topic. */
export function topicAttributesFromTemplate(
  logicalId: string,
  properties: Record<string, unknown>,
): { fifo: boolean; attributes: Record<string, string> } {
  unknownProperties(properties, [...TOPIC_APPLIED, ...TOPIC_IGNORED], logicalId);
  const attributes: Record<string, string> = {};
  const fifo = properties.FifoTopic === true || properties.FifoTopic === 'true';
  if (properties.DisplayName !== undefined) {
    attributes.DisplayName = literal(properties.DisplayName, `${logicalId}.DisplayName`, isString);
  }
  if (fifo) attributes.FifoTopic = 'true';
  if (properties.ContentBasedDeduplication !== undefined) {
    attributes.ContentBasedDeduplication = String(
      literal(properties.ContentBasedDeduplication, `${logicalId}.ContentBasedDeduplication`, isBoolean),
    );
  }
  if (properties.SignatureVersion !== undefined) {
    attributes.SignatureVersion = literal(
      properties.SignatureVersion,
      `${logicalId}.SignatureVersion`,
      isString,
    );
  }
  // The template's key (the AWS managed key by its alias ARN, or a customer managed key by
  // reference) is not resolved here. The topic is still created encrypted-by-configuration, with
  // the SNS-managed key in its place: moto stores the attribute and delivers in the clear, so the
  // key is never used. (For a customer managed key, the role check derives the
  // kms:GenerateDataKey/Decrypt calls SNS makes from the publishes it records: see
  // serviceSideRequests in test/support/cfn-iam.ts.)
  if (properties.KmsMasterKeyId !== undefined) attributes.KmsMasterKeyId = SNS_MANAGED_KEY;
  return { fifo, attributes };
}

async function createTopic(
  sns: SNSClient,
  logicalId: string,
  properties: Record<string, unknown>,
): Promise<ProvidedResource> {
  const { fifo, attributes } = topicAttributesFromTemplate(logicalId, properties);
  const name = `${uniqueName(`cfn-${logicalId}`.slice(0, 200))}${fifo ? '.fifo' : ''}`;
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name, Attributes: attributes }));
  if (!TopicArn) throw new Error(`moto returned no TopicArn for ${logicalId}`);
  return { ref: TopicArn, attributes: { TopicArn, TopicName: name } };
}

// ---------------------------------------------------------------------------------------------
// AWS::SecretsManager::Secret

const SECRET_APPLIED = ['Description', 'SecretString', 'GenerateSecretString'];
/** Accepted, not reproduced: Name (unique instead), KmsKeyId (moto does not encrypt; the stack's key is not created), replication, tags. */
const SECRET_IGNORED = ['Name', 'KmsKeyId', 'ReplicaRegions', 'Tags'];

async function createSecret(
  secretsManager: SecretsManagerClient,
  logicalId: string,
  properties: Record<string, unknown>,
): Promise<ProvidedResource> {
  unknownProperties(properties, [...SECRET_APPLIED, ...SECRET_IGNORED], logicalId);
  // As CloudFormation does: a literal SecretString, a generated value, or no value at all (the
  // operator stores one later; see the SetApiKeyCommand output).
  const secretString =
    properties.SecretString !== undefined
      ? literal(properties.SecretString, `${logicalId}.SecretString`, isString)
      : properties.GenerateSecretString !== undefined
        ? randomBytes(24).toString('base64url')
        : undefined;
  const { ARN, Name } = await secretsManager.send(
    new CreateSecretCommand({
      Name: uniqueName(`cfn-${logicalId}`.slice(0, 200)),
      ...(properties.Description === undefined
        ? {}
        : { Description: literal(properties.Description, `${logicalId}.Description`, isString) }),
      ...(secretString === undefined ? {} : { SecretString: secretString }),
    }),
  );
  if (!ARN || !Name) throw new Error(`moto returned no ARN for ${logicalId}`);
  return { ref: ARN, attributes: { Id: ARN } };
}

// ---------------------------------------------------------------------------------------------

export interface MotoStackClients {
  dynamoDb: DynamoDBClient;
  sns: SNSClient;
  secretsManager: SecretsManagerClient;
}

/** The resource types created here; any other referenced resource stays unresolvable (and says so). */
export const CREATED_TYPES = [
  'AWS::DynamoDB::Table',
  'AWS::SNS::Topic',
  'AWS::SecretsManager::Secret',
] as const;

/**
 * Creates every table, topic and secret of `template` in moto and provides each one's
 * `Ref`/`Fn::GetAtt` values to `resolver`. Returns the logical ids created, by type.
 */
export async function createTemplateResources(
  clients: MotoStackClients,
  template: CfnTemplate,
  resolver: ReferenceResolver,
): Promise<Record<(typeof CREATED_TYPES)[number], string[]>> {
  const created: Record<(typeof CREATED_TYPES)[number], string[]> = {
    'AWS::DynamoDB::Table': [],
    'AWS::SNS::Topic': [],
    'AWS::SecretsManager::Secret': [],
  };
  for (const type of CREATED_TYPES) {
    for (const { logicalId, resource } of findResources(template, type)) {
      if (resource.Condition !== undefined) {
        throw new Error(
          `${logicalId} is conditional (${resource.Condition}); conditions are not evaluated here`,
        );
      }
      const properties = resource.Properties ?? {};
      const provided =
        type === 'AWS::DynamoDB::Table'
          ? await createTable(clients.dynamoDb, logicalId, properties)
          : type === 'AWS::SNS::Topic'
            ? await createTopic(clients.sns, logicalId, properties)
            : await createSecret(clients.secretsManager, logicalId, properties);
      resolver.provide(logicalId, provided);
      created[type].push(logicalId);
    }
  }
  return created;
}
