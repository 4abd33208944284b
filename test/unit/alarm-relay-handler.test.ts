import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { MalformedAlarmEventError } from '../../functions/alarm-relay/alarm-event.js';
import { makeHandler, type OperatorPublisher } from '../../functions/alarm-relay/make-handler.js';
import { AwsCallError, AwsCallFailure } from '../../functions/core/adapters/aws-call.js';
import type { AlarmMessage } from '../../functions/core/domain/alarm-message.js';
import { alarmActionEvent } from '../support/alarm-events.js';
import { RecordingLog } from '../support/watcher-harness.js';

const context = { getRemainingTimeInMillis: () => 30_000, awsRequestId: 'r-1' } as Context;

/** The relay with a publisher that records what it is given, or fails with `failure`. */
function relay(failure?: Error) {
  const published: AlarmMessage[] = [];
  const signals: (AbortSignal | undefined)[] = [];
  const publisher: OperatorPublisher = {
    publish: (message, options) => {
      signals.push(options?.signal);
      if (failure) return Promise.reject(failure);
      published.push(message);
      return Promise.resolve({ messageId: `m-${published.length}` });
    },
  };
  const log = new RecordingLog();
  const handler = makeHandler({
    publisher,
    log,
    logger: new Logger({ serviceName: 'enrich-job-watch-test' }),
  });
  return { handler, published, signals, log };
}

describe('alarm relay handler', () => {
  it('publishes the rendered message once, bounded by the invocation deadline, and logs what it relayed', async () => {
    const { handler, published, signals, log } = relay();
    await expect(handler(alarmActionEvent(), context)).resolves.toEqual({
      alarmName: 'EnrichJobWatch-PollErrors',
      state: 'ALARM',
      messageId: 'm-1',
    });
    expect(published.map((message) => message.subject)).toEqual([
      'enrich-job-watch ALARM: EnrichJobWatch-PollErrors (us-east-1)',
    ]);
    expect(signals[0]).toBeInstanceOf(AbortSignal);
    expect(log.entries).toEqual([
      {
        level: 'info',
        message: 'Alarm state change relayed to the operator topic',
        attributes: {
          alarm_name: 'EnrichJobWatch-PollErrors',
          state: 'ALARM',
          previous_state: 'OK',
          message_id: 'm-1',
        },
      },
    ]);
  });

  it('fails a malformed event with a typed error, logging the bad fields but no value, publishing nothing', async () => {
    const { handler, published, log } = relay();
    const secret = 'ce_live_do_not_log_me_0123456789';
    const event = { ...alarmActionEvent(), accountId: secret };
    await expect(handler(event, context)).rejects.toBeInstanceOf(MalformedAlarmEventError);
    expect(published).toEqual([]);
    expect(log.entries).toEqual([
      {
        level: 'error',
        message: 'Not a CloudWatch alarm action event; failing the invocation so Lambda keeps it',
        attributes: { issues: [{ path: 'accountId', problem: expect.any(String) as string }] },
      },
    ]);
    expect(JSON.stringify(log.entries)).not.toContain(secret);
  });

  it('fails the invocation when the publish fails (Lambda retries, then the on-failure queue keeps it)', async () => {
    const timeout = new AwsCallError('SNS', AwsCallFailure.Timeout);
    const { handler, log } = relay(timeout);
    await expect(handler(alarmActionEvent(), context)).rejects.toBe(timeout);
    expect(
      log.entries.map(({ level, message, attributes }) => [level, message, attributes.alarm_name]),
    ).toEqual([
      [
        'error',
        'Relaying the alarm state change failed; Lambda retries the invocation',
        'EnrichJobWatch-PollErrors',
      ],
    ]);
  });
});
