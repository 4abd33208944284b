import { describe, expect, it } from 'vitest';
import { MalformedAlarmEventError, parseAlarmEvent } from '../../functions/alarm-relay/alarm-event.js';
import { alarmConsoleUrl, renderAlarmMessage } from '../../functions/core/domain/alarm-message.js';
import { SUBJECT_MAX_LENGTH } from '../../functions/core/domain/notification.js';
import { ALARM_DESCRIPTION, ALARM_NAME, ALARM_REASON, alarmActionEvent } from '../support/alarm-events.js';

const CONSOLE =
  'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/EnrichJobWatch-PollErrors';

describe('renderAlarmMessage', () => {
  it('tells the operator what fired, why, what to do, where and when, with a console link', () => {
    const message = renderAlarmMessage(parseAlarmEvent(alarmActionEvent()));
    expect(message.subject).toBe('enrich-job-watch ALARM: EnrichJobWatch-PollErrors (us-east-1)');
    expect(message.text).toBe(
      [
        'ALARM: EnrichJobWatch-PollErrors',
        'The alarm went from OK to ALARM at 2026-12-02T05:40:12.340+0000.',
        '',
        `Reason: ${ALARM_REASON}`,
        '',
        'What to do (the alarm description):',
        ALARM_DESCRIPTION,
        '',
        'Alarm:   EnrichJobWatch-PollErrors',
        'Account: 123456789012',
        'Region:  us-east-1',
        'Time:    2026-12-02T05:40:12.345+0000',
        `Console: ${CONSOLE}`,
      ].join('\n'),
    );
  });

  it('says a recovery is one, with nothing to do, and keeps the description as what the alarm watches', () => {
    const message = renderAlarmMessage(parseAlarmEvent(alarmActionEvent({ to: 'OK' })));
    expect(message.subject).toBe('enrich-job-watch OK (recovered): EnrichJobWatch-PollErrors (us-east-1)');
    expect(message.text).toContain('The alarm went from ALARM to OK at ');
    expect(message.text).toContain(`What this alarm watches (nothing to do now):\n${ALARM_DESCRIPTION}`);
    expect(message.text).not.toContain('What to do');
  });

  it('names a missing-data state for what it is', () => {
    const message = renderAlarmMessage(
      parseAlarmEvent(alarmActionEvent({ to: 'INSUFFICIENT_DATA', from: 'OK' })),
    );
    expect(message.subject).toMatch(/^enrich-job-watch INSUFFICIENT_DATA: /);
    expect(message.text).toContain('went from OK to INSUFFICIENT_DATA');
    expect(message.text).toContain('its metric has no data to judge');
  });

  it('says so when the alarm has no description (absent or blank)', () => {
    for (const description of [null, '   ']) {
      const change = parseAlarmEvent(alarmActionEvent({ description }));
      expect(change.description).toBeNull();
      expect(renderAlarmMessage(change).text).toContain('\nThe alarm has no description.\n');
    }
  });

  it('keeps the subject to one ASCII line under 100 characters, state first, for the longest alarm name', () => {
    const alarmName = `Stäck—${'x'.repeat(249)}`;
    const { subject, text } = renderAlarmMessage(parseAlarmEvent(alarmActionEvent({ alarmName })));
    expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX_LENGTH);
    expect(SUBJECT_MAX_LENGTH).toBeLessThan(100);
    expect(subject).toMatch(/^enrich-job-watch ALARM: Stack x+\.\.\.$/);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    // The body keeps the whole name.
    expect(text).toContain(`Alarm:   ${alarmName}`);
  });

  it('links to the alarm in the console of its partition and region, the name encoded', () => {
    expect(
      alarmConsoleUrl({
        alarmName: 'a b/c',
        alarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:a b/c',
        region: 'eu-west-1',
      }),
    ).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/a%20b%2Fc',
    );
    expect(
      alarmConsoleUrl({
        alarmName: 'x',
        alarmArn: 'arn:aws-cn:cloudwatch:cn-north-1:123456789012:alarm:x',
        region: 'cn-north-1',
      }),
    ).toBe('https://console.amazonaws.cn/cloudwatch/home?region=cn-north-1#alarmsV2:alarm/x');
    expect(
      alarmConsoleUrl({
        alarmName: 'x',
        alarmArn: 'arn:aws-us-gov:cloudwatch:us-gov-west-1:123456789012:alarm:x',
        region: 'us-gov-west-1',
      }),
    ).toBe('https://console.amazonaws-us-gov.com/cloudwatch/home?region=us-gov-west-1#alarmsV2:alarm/x');
  });
});

describe('parseAlarmEvent', () => {
  it('reads the documented Lambda action event of a metric alarm', () => {
    expect(parseAlarmEvent(alarmActionEvent())).toEqual({
      alarmName: ALARM_NAME,
      alarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${ALARM_NAME}`,
      accountId: '123456789012',
      region: 'us-east-1',
      time: '2026-12-02T05:40:12.345+0000',
      state: { value: 'ALARM', reason: ALARM_REASON, timestamp: '2026-12-02T05:40:12.340+0000' },
      previousState: {
        value: 'OK',
        reason: 'Threshold Crossed: no datapoints were breaching.',
        timestamp: '2026-12-01T22:10:00.000+0000',
      },
      description: ALARM_DESCRIPTION,
    });
  });

  /** The error an event fails with (the test fails if it parses). */
  function failure(event: unknown): MalformedAlarmEventError {
    try {
      parseAlarmEvent(event);
    } catch (error) {
      if (error instanceof MalformedAlarmEventError) return error;
      throw error;
    }
    throw new Error('the event parsed');
  }

  it('refuses what is not an alarm event, naming the bad fields by path', () => {
    expect(failure(undefined).issues).toEqual([{ path: '', problem: expect.any(String) as string }]);
    expect(failure({ Records: [] }).issues.map((issue) => issue.path)).toEqual([
      'source',
      'alarmArn',
      'accountId',
      'time',
      'region',
      'alarmData',
    ]);
    const event = alarmActionEvent();
    const alarmData = event.alarmData as Record<string, Record<string, unknown>>;
    delete alarmData.previousState;
    (alarmData.state as Record<string, unknown>).value = 'PAGING';
    const error = failure(event);
    expect(error.issues.map((issue) => issue.path)).toEqual([
      'alarmData.state.value',
      'alarmData.previousState',
    ]);
    expect(error.message).toMatch(/^Not a CloudWatch alarm action event: alarmData\.state\.value: /);
    expect(error.name).toBe('MalformedAlarmEventError');
  });

  it('never puts a field value in the error (an event may carry anything)', () => {
    const secret = 'ce_live_do_not_log_me_0123456789';
    const event: Record<string, unknown> = {
      ...alarmActionEvent(),
      source: secret,
      accountId: secret,
      region: secret,
    };
    const alarmData = event.alarmData as { alarmName: unknown; state: Record<string, unknown> };
    alarmData.alarmName = 42;
    alarmData.state.value = secret;
    const error = failure(event);
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(
      ['accountId', 'alarmData.alarmName', 'alarmData.state.value', 'region', 'source'].sort(),
    );
    expect(JSON.stringify(error.issues)).not.toContain(secret);
    expect(error.message).not.toContain(secret);
  });
});
