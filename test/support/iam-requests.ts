import type { RecordedCall } from './aws-call-recorder.js';
import type { IamRequest } from './iam-policy.js';

/**
 * The IAM request behind each recorded AWS API call: the action IAM authorizes (the signing
 * service and the operation) and the resource ARN it authorizes it on, built from the call's
 * parameters the way the service does (a DynamoDB table or index ARN from TableName and
 * IndexName, the topic ARN a Publish names, the secret a GetSecretValue read).
 *
 * Only the operations listed in {@link RESOURCES} are known; any other call throws, naming the
 * operation, so a new kind of call cannot slip past the role check unexamined.
 */

/** The call's parameters, whatever the protocol (JSON body, or the query protocol's form). */
interface Parameters {
  get(name: string): string | undefined;
  /** The names in a map parameter (BatchGetItem's `RequestItems`: its table names); none if absent. */
  keysOf(name: string): string[];
}

interface ApiCall {
  service: string;
  operation: string;
  region: string;
  account: string;
  parameters: Parameters;
  /** The decoded JSON answer (JSON protocols only), when the call succeeded. */
  answer: Record<string, unknown> | null;
}

type ResourcesOf = (call: ApiCall) => { action?: string; resource: string }[];

/** A Credential scope: `<key>/<date>/<region>/<service>/aws4_request`. */
const CREDENTIAL_SCOPE = /Credential=[^/,]+\/\d{8}\/([^/,]+)\/([^/,]+)\/aws4_request/;

function required(call: ApiCall, name: string): string {
  const value = call.parameters.get(name);
  if (value === undefined || value === '') {
    throw new Error(`${call.service}:${call.operation} without ${name}: cannot tell its resource`);
  }
  return value;
}

const arn = (call: ApiCall, resource: string): string =>
  `arn:aws:${call.service}:${call.region}:${call.account}:${resource}`;

/** A table's item calls: the table ARN. */
const table: ResourcesOf = (call) => [{ resource: arn(call, `table/${required(call, 'TableName')}`) }];

/** Query and Scan: the index ARN when they read an index, else the table ARN. */
const tableOrIndex: ResourcesOf = (call) => {
  const index = call.parameters.get('IndexName');
  const tableArn = arn(call, `table/${required(call, 'TableName')}`);
  return [{ resource: index ? `${tableArn}/index/${index}` : tableArn }];
};

/** BatchGetItem: authorized on each table its `RequestItems` names. */
const batchTables: ResourcesOf = (call) => {
  const names = call.parameters.keysOf('RequestItems');
  if (names.length === 0) throw new Error(`dynamodb:${call.operation} without RequestItems`);
  return names.map((name) => ({ resource: arn(call, `table/${name}`) }));
};

/** Publish and PublishBatch are both authorized as sns:Publish on the topic. */
const topic: ResourcesOf = (call) => {
  if (call.parameters.get('PhoneNumber') !== undefined) {
    throw new Error('sns:Publish to a phone number directly: not a topic the role can name');
  }
  const topicArn = call.parameters.get('TopicArn') ?? call.parameters.get('TargetArn');
  if (!topicArn) throw new Error(`sns:${call.operation} without TopicArn or TargetArn`);
  return [{ action: 'sns:Publish', resource: topicArn }];
};

/** A secret's calls: the full ARN (the answer has it; the call may name the secret by name). */
const secret: ResourcesOf = (call) => {
  const answered = call.answer?.ARN;
  if (typeof answered === 'string') return [{ resource: answered }];
  const secretId = required(call, 'SecretId');
  if (!secretId.startsWith('arn:')) {
    throw new Error(`secretsmanager:${call.operation} of ${secretId} failed: its ARN is unknown`);
  }
  return [{ resource: secretId }];
};

/** The operations whose resources are known here, by `<signing service>:<operation>`. */
const RESOURCES: Record<string, ResourcesOf> = {
  'dynamodb:GetItem': table,
  'dynamodb:PutItem': table,
  'dynamodb:UpdateItem': table,
  'dynamodb:DeleteItem': table,
  'dynamodb:DescribeTable': table,
  'dynamodb:Query': tableOrIndex,
  'dynamodb:Scan': tableOrIndex,
  'dynamodb:BatchGetItem': batchTables,
  'sns:Publish': topic,
  'sns:PublishBatch': topic,
  'secretsmanager:GetSecretValue': secret,
  'secretsmanager:DescribeSecret': secret,
};

function decodeJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Service, region, operation and parameters of a recorded call, for the JSON and query protocols. */
function apiCallOf(call: RecordedCall, account: string): ApiCall {
  const scope = CREDENTIAL_SCOPE.exec(call.headers.authorization ?? '');
  if (!scope) throw new Error(`${call.method} ${call.path}: not a SigV4-signed AWS call`);
  const [, region = '', service = ''] = scope;
  const target = call.headers['x-amz-target'];
  const answer = call.status === 200 ? decodeJson(call.responseBody) : null;
  if (target) {
    // JSON protocols: X-Amz-Target is `<ServiceVersion>.<Operation>`, parameters are the body.
    const body = decodeJson(call.body) ?? {};
    const get = (name: string): string | undefined => {
      const value = body[name];
      return typeof value === 'string' ? value : undefined;
    };
    const keysOf = (name: string): string[] => {
      const value = body[name];
      return typeof value === 'object' && value !== null ? Object.keys(value) : [];
    };
    return {
      service,
      region,
      account,
      operation: target.slice(target.lastIndexOf('.') + 1),
      parameters: { get, keysOf },
      answer,
    };
  }
  if ((call.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    // The query protocol: a form with Action=<Operation> and the parameters.
    const form = new URLSearchParams(call.body);
    const operation = form.get('Action');
    if (!operation) throw new Error(`${service} query-protocol call without Action: ${call.body}`);
    return {
      service,
      region,
      account,
      operation,
      parameters: { get: (name) => form.get(name) ?? undefined, keysOf: () => [] },
      answer: null,
    };
  }
  throw new Error(
    `${service} ${call.method} ${call.path}: protocol not recognised (no X-Amz-Target, not a form)`,
  );
}

/**
 * The IAM requests one recorded call needs allowed. `account` is the account ARNs are built
 * with (the emulator's; a DynamoDB call names its table only by name).
 */
export function iamRequestsOf(call: RecordedCall, account: string): IamRequest[] {
  const api = apiCallOf(call, account);
  const key = `${api.service}:${api.operation}`;
  const resourcesOf = RESOURCES[key];
  if (!resourcesOf) {
    throw new Error(`${key}: no IAM resource mapping; add the operation to test/support/iam-requests.ts`);
  }
  return resourcesOf(api).map(({ action = key, resource }) => ({
    action,
    resource,
    origin: `the code's ${api.operation} call`,
  }));
}
