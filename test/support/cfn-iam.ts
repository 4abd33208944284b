import { randomBytes, randomUUID } from 'node:crypto';
import {
  findResources,
  referencedIds,
  resourceById,
  type CfnTemplate,
  type ReferenceResolver,
} from './cloud-assembly.js';
import { parseStatement, type IamRequest, type PolicyStatement } from './iam-policy.js';

/**
 * A function's role as the template defines it, and the requests AWS makes with that role on
 * the function's behalf: what a role check needs besides the calls the code makes.
 */

/** The logical id of the role a function's `Role` references. */
export function functionRoleId(template: CfnTemplate, functionId: string): string {
  const roleIds = [...referencedIds(resourceById(template, functionId).Properties?.Role)].filter(
    (id) => template.Resources[id]?.Type === 'AWS::IAM::Role',
  );
  const [roleId] = roleIds;
  if (!roleId || roleIds.length > 1) {
    throw new Error(
      `${functionId}.Role references ${roleIds.length} roles of the template: [${roleIds.join(', ')}]`,
    );
  }
  return roleId;
}

/** Every `Ref`/`Fn::*` in a JSON value replaced by what the resolver gives for it. */
function resolveDeep(value: unknown, resolver: ReferenceResolver): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveDeep(item, resolver));
  if (typeof value !== 'object' || value === null) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]?.startsWith('Fn::'))) return resolver.resolve(value);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveDeep(item, resolver)]));
}

function statementsOf(document: unknown, where: string, resolver: ReferenceResolver): PolicyStatement[] {
  const statements = (document as { Statement?: unknown } | undefined)?.Statement;
  const list: unknown[] = Array.isArray(statements) ? statements : [statements];
  return list.map((statement, index) =>
    parseStatement(resolveDeep(statement, resolver), `${where}.Statement[${index}]`),
  );
}

/**
 * The statements of every identity policy of a role, with the template's references resolved:
 * its inline `Policies`, and each `AWS::IAM::Policy`/`AWS::IAM::ManagedPolicy` attached to it by
 * `Ref`. Managed policies by ARN and permission boundaries live outside the template: they throw.
 */
export function roleStatements(
  template: CfnTemplate,
  roleId: string,
  resolver: ReferenceResolver,
): PolicyStatement[] {
  const role = resourceById(template, roleId).Properties ?? {};
  const external = [role.ManagedPolicyArns, role.PermissionsBoundary].filter((value) => value !== undefined);
  if (external.length > 0) {
    throw new Error(`${roleId}: managed policy ARNs or a permissions boundary cannot be evaluated here`);
  }
  const inline = ((role.Policies ?? []) as { PolicyName?: string; PolicyDocument?: unknown }[]).flatMap(
    (policy) =>
      statementsOf(policy.PolicyDocument, `${roleId}.Policies.${String(policy.PolicyName)}`, resolver),
  );
  const attached = ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']
    .flatMap((type) => findResources(template, type))
    .filter(({ resource }) => referencedIds(resource.Properties?.Roles).has(roleId))
    .flatMap(({ logicalId, resource }) =>
      statementsOf(resource.Properties?.PolicyDocument, `${logicalId}.PolicyDocument`, resolver),
    );
  return [...inline, ...attached];
}

/** Partition, region and account, as the resolver's pseudo parameters give them. */
function pseudo(resolver: ReferenceResolver): { partition: string; region: string; account: string } {
  return {
    partition: resolver.resolveString({ Ref: 'AWS::Partition' }),
    region: resolver.resolveString({ Ref: 'AWS::Region' }),
    account: resolver.resolveString({ Ref: 'AWS::AccountId' }),
  };
}

/**
 * Gives the template's log groups, KMS keys and SQS queues the `Ref`/`Fn::GetAtt` values
 * CloudFormation would (a generated name, a key id), without creating them: the functions' code
 * never calls them, AWS does on its behalf ({@link serviceSideRequests}: logs, keys, on-failure
 * destinations), so only their ARNs matter here.
 */
export function provideServiceSideResources(template: CfnTemplate, resolver: ReferenceResolver): void {
  const { partition, region, account } = pseudo(resolver);
  const stackName = resolver.resolveString({ Ref: 'AWS::StackName' });
  for (const { logicalId, resource } of findResources(template, 'AWS::Logs::LogGroup')) {
    const literalName = resource.Properties?.LogGroupName;
    const name =
      typeof literalName === 'string'
        ? literalName
        : `${stackName}-${logicalId}-${randomBytes(6).toString('hex').toUpperCase()}`;
    resolver.provide(logicalId, {
      ref: name,
      attributes: { Arn: `arn:${partition}:logs:${region}:${account}:log-group:${name}:*` },
    });
  }
  for (const { logicalId } of findResources(template, 'AWS::SQS::Queue')) {
    const name = `${stackName}-${logicalId}-${randomBytes(6).toString('hex').toUpperCase()}`;
    resolver.provide(logicalId, {
      ref: `https://sqs.${region}.amazonaws.com/${account}/${name}`,
      attributes: { Arn: `arn:${partition}:sqs:${region}:${account}:${name}`, QueueName: name },
    });
  }
  for (const { logicalId } of findResources(template, 'AWS::KMS::Key')) {
    const keyId = randomUUID();
    resolver.provide(logicalId, {
      ref: keyId,
      attributes: { Arn: `arn:${partition}:kms:${region}:${account}:key/${keyId}`, KeyId: keyId },
    });
  }
}

/** The template resource of `type` whose `Ref` is `physicalId`, if any. */
function resourceWithRef(
  template: CfnTemplate,
  type: string,
  physicalId: string,
  resolver: ReferenceResolver,
) {
  return findResources(template, type).find(
    ({ logicalId }) => resolver.resolve({ Ref: logicalId }) === physicalId,
  );
}

/** A customer managed key's ARN from a `KmsMasterKeyId`/`KmsKeyId`; null for none or an AWS managed key. */
function customerKeyArn(value: unknown, where: string, resolver: ReferenceResolver): string | null {
  if (value === undefined) return null;
  const key = resolver.resolveString(value);
  // AWS managed keys (alias/aws/sns, aws/secretsmanager, or an alias ARN of one): their key policy
  // admits the account's principals through the service, so the caller's role needs no grant on them.
  if (/^(arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:)?(alias\/)?aws\//.test(key)) return null;
  if (!key.startsWith('arn:'))
    throw new Error(`${where}: key ${key} is not an ARN; cannot tell what to grant`);
  return key;
}

interface ServiceSideInput {
  template: CfnTemplate;
  functionId: string;
  resolver: ReferenceResolver;
  /** How often the function ran. */
  invocations: number;
  /**
   * Asynchronous invocations that failed every attempt (Lambda then sends each record to the
   * function's on-failure destination, with its role). @default 0
   */
  failedInvocations?: number;
  /** The requests behind the calls the code made (see iam-requests.ts). */
  apiRequests: readonly IamRequest[];
}

/** Lambda's own requests for an invocation: the logs, and the trace when tracing is active. */
function lambdaRequests({ template, functionId, resolver, invocations }: ServiceSideInput): IamRequest[] {
  if (invocations === 0) return [];
  const { partition, region, account } = pseudo(resolver);
  const properties = resourceById(template, functionId).Properties ?? {};
  const logGroup = (properties.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup;
  if (logGroup === undefined) {
    throw new Error(`${functionId} has no LoggingConfig.LogGroup: its log group name is unknown`);
  }
  const group = `arn:${partition}:logs:${region}:${account}:log-group:${resolver.resolveString(logGroup)}`;
  const stream = `${group}:log-stream:2026/01/01/[$LATEST]0123456789abcdef`;
  const origin = 'Lambda, writing the invocation logs';
  const requests: IamRequest[] = [
    { action: 'logs:CreateLogStream', resource: stream, origin },
    { action: 'logs:PutLogEvents', resource: stream, origin },
  ];
  if ((properties.TracingConfig as { Mode?: unknown } | undefined)?.Mode === 'Active') {
    for (const action of ['xray:PutTraceSegments', 'xray:PutTelemetryRecords']) {
      requests.push({ action, resource: '*', origin: "Lambda's X-Ray daemon (active tracing)" });
    }
  }
  return requests;
}

/** The distinct resources the code called `action` on. */
function calledOn(apiRequests: readonly IamRequest[], action: string): Set<string> {
  return new Set(
    apiRequests.filter((request) => request.action === action).map((request) => request.resource),
  );
}

/** What SNS asks KMS for, with the publisher's role, for each encrypted topic the code published to. */
function topicKeyRequests({ template, resolver, apiRequests }: ServiceSideInput): IamRequest[] {
  const { region } = pseudo(resolver);
  return [...calledOn(apiRequests, 'sns:Publish')].flatMap((topicArn) => {
    const topic = resourceWithRef(template, 'AWS::SNS::Topic', topicArn, resolver);
    const key = topic && customerKeyArn(topic.resource.Properties?.KmsMasterKeyId, topic.logicalId, resolver);
    if (!key) return [];
    const context = { 'kms:ViaService': `sns.${region}.amazonaws.com` };
    const origin = `SNS, encrypting what the code publishes to ${topicArn}`;
    return ['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => ({
      action,
      resource: key,
      context,
      origin,
    }));
  });
}

/** What Secrets Manager asks KMS for, with the reader's role, for each encrypted secret the code read. */
function secretKeyRequests({ template, resolver, apiRequests }: ServiceSideInput): IamRequest[] {
  const { region } = pseudo(resolver);
  return [...calledOn(apiRequests, 'secretsmanager:GetSecretValue')].flatMap((secretArn) => {
    const secret = resourceWithRef(template, 'AWS::SecretsManager::Secret', secretArn, resolver);
    const key = secret && customerKeyArn(secret.resource.Properties?.KmsKeyId, secret.logicalId, resolver);
    if (!key) return [];
    return [
      {
        action: 'kms:Decrypt',
        resource: key,
        context: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` },
        origin: `Secrets Manager, decrypting ${secretArn} for the code`,
      },
    ];
  });
}

/** Lambda's delivery of failed asynchronous invocations to an SQS on-failure destination, with the role. */
function onFailureRequests({
  template,
  functionId,
  resolver,
  failedInvocations = 0,
}: ServiceSideInput): IamRequest[] {
  if (failedInvocations === 0) return [];
  const configs = findResources(template, 'AWS::Lambda::EventInvokeConfig').filter(
    ({ resource }) =>
      JSON.stringify(resource.Properties?.FunctionName) === JSON.stringify({ Ref: functionId }),
  );
  return configs.flatMap(({ resource }) => {
    const destination = (
      resource.Properties?.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined
    )?.OnFailure?.Destination;
    if (destination === undefined) return [];
    const arn = resolver.resolveString(destination);
    if (!arn.includes(':sqs:'))
      throw new Error(`${functionId}: on-failure destination ${arn} is not an SQS queue`);
    return [
      {
        action: 'sqs:SendMessage',
        resource: arn,
        origin: "Lambda, sending a failed invocation's record to the on-failure destination",
      },
    ];
  });
}

/**
 * The requests AWS makes with the function's role, not its code. This is the documented list of
 * "service-side" permissions, each with its reason:
 * - Lambda writes each invocation's platform lines (START, END, REPORT) and the function's output
 *   to the log group `LoggingConfig` names: logs:CreateLogStream and logs:PutLogEvents, modelled
 *   on a stream's ARN inside the group (AWS's own execution-role policies grant both on
 *   `log-group:<name>:*`).
 * - With active tracing, the X-Ray daemon Lambda runs sends the trace: xray:PutTraceSegments and
 *   xray:PutTelemetryRecords, which have no resource-level permissions (`*`).
 * - SNS encrypts a message published to a topic with a customer managed key using the
 *   publisher's permissions: kms:GenerateDataKey and kms:Decrypt on that key, via SNS.
 * - Secrets Manager decrypts a secret kept with a customer managed key with the reader's
 *   kms:Decrypt, via Secrets Manager.
 * - Lambda sends the record of an asynchronous invocation that failed every attempt to the
 *   function's SQS on-failure destination: sqs:SendMessage on that queue.
 * The KMS ones follow the code's calls: only topics it published to and secrets it read count.
 */
export function serviceSideRequests(input: ServiceSideInput): IamRequest[] {
  return [
    ...lambdaRequests(input),
    ...topicKeyRequests(input),
    ...secretKeyRequests(input),
    ...onFailureRequests(input),
  ];
}
