import { DeleteTopicCommand } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MalformedAlarmEventError } from '../../functions/alarm-relay/alarm-event.js';
import { ALARM_DESCRIPTION, ALARM_REASON, alarmActionEvent } from '../support/alarm-events.js';
import { createTopic, drainQueue, motoClients, subscribeQueue } from '../support/emulators.js';

/**
 * The alarm relay's handler module (functions/alarm-relay/handler.ts), wired by its own
 * production code from its environment, publishing through moto SNS: an SQS queue subscribed to
 * the operator topic receives what the operator's email subscription would.
 */

const clients = motoClients();

function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'EnrichJobWatch-AlarmRelayFunction',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:EnrichJobWatch-AlarmRelayFunction',
    memoryLimitInMB: '256',
    awsRequestId: 'alarm-relay-test',
    logGroupName: '/aws/lambda/EnrichJobWatch-AlarmRelayFunction',
    logStreamName: 'alarm-relay-test',
    getRemainingTimeInMillis: () => 30_000,
  } as Context;
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** Loads the handler module afresh (a cold start) with the operator topic it is given. */
async function coldStart(operatorTopicArn: string | undefined): Promise<Handler> {
  vi.stubEnv('AWS_ENDPOINT_URL', clients.endpoint);
  vi.stubEnv('OPERATOR_TOPIC_ARN', operatorTopicArn);
  vi.resetModules();
  const module = await import('../../functions/alarm-relay/handler.js');
  return module.handler;
}

describe('the alarm relay on moto SNS', () => {
  let operatorTopic: string;
  let operatorInbox: string;

  beforeAll(async () => {
    operatorTopic = await createTopic(clients.sns, `operator-${Date.now()}`);
    operatorInbox = await subscribeQueue(clients, operatorTopic);
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('publishes each alarm and recovery to the operator topic as a readable, complete message', async () => {
    const handler = await coldStart(operatorTopic);
    const fired = await handler(alarmActionEvent(), lambdaContext());
    await handler(alarmActionEvent({ to: 'OK' }), lambdaContext());

    const delivered = await drainQueue(clients.sqs, operatorInbox);
    expect(delivered.map((message) => message.Subject)).toEqual([
      'enrich-job-watch ALARM: EnrichJobWatch-PollErrors (us-east-1)',
      'enrich-job-watch OK (recovered): EnrichJobWatch-PollErrors (us-east-1)',
    ]);
    const [alarm, recovery] = delivered.map((message) => message.Message);
    expect(fired).toEqual({
      alarmName: 'EnrichJobWatch-PollErrors',
      state: 'ALARM',
      messageId: delivered[0]?.MessageId,
    });
    for (const part of [
      'ALARM: EnrichJobWatch-PollErrors',
      'The alarm went from OK to ALARM at 2026-12-02T05:40:12.340+0000.',
      `Reason: ${ALARM_REASON}`,
      `What to do (the alarm description):\n${ALARM_DESCRIPTION}`,
      'Account: 123456789012',
      'Region:  us-east-1',
      'Time:    2026-12-02T05:40:12.345+0000',
      'Console: https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/EnrichJobWatch-PollErrors',
    ]) {
      expect(alarm).toContain(part);
    }
    expect(recovery).toContain('The alarm went from ALARM to OK at ');
    // Plain text for a person: no JSON, no escaped line breaks.
    expect(alarm?.startsWith('{')).toBe(false);
    expect(alarm).not.toContain('\\n');
  });

  it('fails the invocation on an event that is not an alarm action, publishing nothing', async () => {
    const handler = await coldStart(operatorTopic);
    // The module was loaded afresh: its error class is not this file's, so match by name.
    await expect(handler({ source: 'aws.events', detail: {} }, lambdaContext())).rejects.toMatchObject({
      name: MalformedAlarmEventError.name,
    });
    expect(await drainQueue(clients.sqs, operatorInbox)).toEqual([]);
  });

  it('fails the invocation when SNS refuses the publish, so Lambda retries it and keeps it', async () => {
    const gone = await createTopic(clients.sns);
    await clients.sns.send(new DeleteTopicCommand({ TopicArn: gone }));
    const handler = await coldStart(gone);
    await expect(handler(alarmActionEvent(), lambdaContext())).rejects.toMatchObject({
      name: 'NotFoundException',
    });
  });

  it('refuses to start without OPERATOR_TOPIC_ARN, naming it', async () => {
    await expect(coldStart(undefined)).rejects.toThrow(/OPERATOR_TOPIC_ARN is required/);
    await expect(coldStart('not-an-arn')).rejects.toThrow(/OPERATOR_TOPIC_ARN must be an SNS topic ARN/);
  });
});
