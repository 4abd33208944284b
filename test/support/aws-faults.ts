import type { InjectedAnswer, OutgoingCall } from './aws-call-recorder.js';

/**
 * AWS faults for the recorder's `intercept` (test/support/aws-call-recorder.ts): SNS `Publish`
 * failing for chosen topics, and DynamoDB answering `ProvisionedThroughputExceededException` to
 * the writes of chosen items, each while a window of the test's clock is open. Every attempt
 * inside the window fails, the SDK's own retries included, so the failure reaches the code.
 */

/** An interval of the test's clock, in epoch ms: `from` included, `until` excluded. */
export interface FaultWindow {
  from: number;
  until: number;
}

/** What the rules did, for the test to check that each fault really happened. */
export interface AwsFaultLog {
  /** Publish attempts refused, by topic ARN. */
  publishesRefused: Map<string, number>;
  /** Write attempts throttled, by job id, and whether the write would have settled a notification. */
  writesThrottled: { jobId: string; settle: boolean; at: number }[];
}

const DYNAMODB_WRITES = new Set(['UpdateItem', 'PutItem', 'DeleteItem']);
const JOB_KEY = /^JOB#(.+)$/;

const SNS_FAILURE = (topicArn: string): InjectedAnswer => ({
  status: 500,
  headers: { 'content-type': 'text/xml' },
  body:
    '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Receiver</Type>' +
    `<Code>InternalError</Code><Message>Injected failure publishing to ${topicArn}</Message></Error>` +
    '<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>',
});

const THROTTLED: InjectedAnswer = {
  status: 400,
  headers: { 'content-type': 'application/x-amz-json-1.0' },
  body: JSON.stringify({
    __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    message: 'The level of configured provisioned throughput for the table was exceeded.',
  }),
};

/** The DynamoDB operation of a JSON-protocol call (`X-Amz-Target: DynamoDB_20120810.UpdateItem`). */
function dynamoDbOperation(call: OutgoingCall): string | null {
  const target = call.headers['x-amz-target'];
  return target?.startsWith('DynamoDB_') ? (target.split('.')[1] ?? null) : null;
}

/** The job a write is for, and whether it removes the owed notification (a settle). */
function writtenJob(body: string): { jobId: string; settle: boolean } | null {
  const request = JSON.parse(body) as {
    Key?: { pk?: { S?: string } };
    Item?: { pk?: { S?: string } };
    UpdateExpression?: string;
    ExpressionAttributeNames?: Record<string, string>;
  };
  const pk = request.Key?.pk?.S ?? request.Item?.pk?.S;
  const jobId = pk === undefined ? undefined : JOB_KEY.exec(pk)?.[1];
  if (jobId === undefined) return null;
  const names = Object.values(request.ExpressionAttributeNames ?? {});
  const settle = /\bREMOVE\b/.test(request.UpdateExpression ?? '') && names.includes('last_notification');
  return { jobId, settle };
}

/** The topic a query-protocol SNS `Publish` is for, or null for any other call. */
function publishedTopic(call: OutgoingCall): string | null {
  if (call.method !== 'POST' || !call.headers['content-type']?.includes('x-www-form-urlencoded')) return null;
  const form = new URLSearchParams(call.body);
  return form.get('Action') === 'Publish' ? form.get('TopicArn') : null;
}

/** A set of AWS fault rules on one clock; `intercept` is what the recorders take. */
export class AwsFaults {
  readonly log: AwsFaultLog = { publishesRefused: new Map(), writesThrottled: [] };
  private readonly publishOutages: { topics: Set<string>; window: FaultWindow }[] = [];
  private readonly throttles: { jobIds: Set<string>; window: FaultWindow }[] = [];

  constructor(private readonly now: () => number) {}

  /** Every `Publish` to one of `topicArns` fails (HTTP 500 InternalError) during `window`. */
  failPublish(topicArns: readonly string[], window: FaultWindow): void {
    this.publishOutages.push({ topics: new Set(topicArns), window });
  }

  /** Every write to one of the jobs' items is throttled during `window`. */
  throttleWrites(jobIds: Iterable<string>, window: FaultWindow): void {
    this.throttles.push({ jobIds: new Set(jobIds), window });
  }

  readonly intercept = (call: OutgoingCall): InjectedAnswer | undefined => {
    const at = this.now();
    const open = (window: FaultWindow): boolean => at >= window.from && at < window.until;
    const topic = publishedTopic(call);
    if (topic !== null && this.publishOutages.some((rule) => open(rule.window) && rule.topics.has(topic))) {
      this.log.publishesRefused.set(topic, (this.log.publishesRefused.get(topic) ?? 0) + 1);
      return SNS_FAILURE(topic);
    }
    const operation = dynamoDbOperation(call);
    if (operation === null || !DYNAMODB_WRITES.has(operation)) return undefined;
    const written = writtenJob(call.body);
    if (!written) return undefined;
    if (!this.throttles.some((rule) => open(rule.window) && rule.jobIds.has(written.jobId))) return undefined;
    this.log.writesThrottled.push({ ...written, at });
    return THROTTLED;
  };
}
