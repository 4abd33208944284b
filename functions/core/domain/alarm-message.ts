import { SUBJECT_MAX_LENGTH, toAsciiLine, truncate } from './notification.js';

/**
 * What the operator reads when a CloudWatch alarm of the stack changes state. The alarms reach
 * the operator topic through the alarm relay function (a Lambda alarm action), because an alarm
 * publishing to SNS itself would need a customer managed key on the topic: CloudWatch cannot use
 * the AWS managed `alias/aws/sns` key the topics are encrypted with.
 */

/** CloudWatch's alarm states. */
export const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type AlarmStateValue = (typeof ALARM_STATES)[number];

/** One side of a state change: the state, CloudWatch's reason for it and when it began. */
export interface AlarmState {
  readonly value: AlarmStateValue;
  /** CloudWatch's sentence, e.g. `Threshold Crossed: 2 out of the last 3 datapoints ...`. */
  readonly reason: string;
  /** CloudWatch's own format, e.g. `2026-12-02T05:40:00.000+0000`. */
  readonly timestamp: string;
}

/** A state change of one alarm, as the relay was told it (the Lambda action's event, validated). */
export interface AlarmStateChange {
  readonly alarmName: string;
  /** `arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>`: its partition picks the console. */
  readonly alarmArn: string;
  readonly accountId: string;
  readonly region: string;
  /** When CloudWatch invoked the action. */
  readonly time: string;
  readonly state: AlarmState;
  readonly previousState: AlarmState;
  /** The alarm's description (the stack's say what fired and what to do); null when it has none. */
  readonly description: string | null;
}

/** An SNS String message for the operator topic: its subscribers are email addresses. */
export interface AlarmMessage {
  /** ASCII, one line, at most {@link SUBJECT_MAX_LENGTH} characters (SNS refuses 100 or more). */
  readonly subject: string;
  /** Plain text a person reads. */
  readonly text: string;
}

/** The first line and the subject's lead: the state first, so a cut subject still says it. */
const HEADLINE: Record<AlarmStateValue, string> = {
  ALARM: 'ALARM',
  OK: 'OK (recovered)',
  INSUFFICIENT_DATA: 'INSUFFICIENT_DATA',
};

/** What the description is, depending on whether the operator has something to do now. */
const DESCRIPTION_HEADING: Record<AlarmStateValue, string> = {
  ALARM: 'What to do (the alarm description):',
  OK: 'What this alarm watches (nothing to do now):',
  INSUFFICIENT_DATA: 'What this alarm watches (its metric has no data to judge):',
};

/** The console host of a partition; an unknown partition gets the commercial one. */
function consoleHost(partition: string, region: string): string {
  switch (partition) {
    case 'aws-cn':
      return 'console.amazonaws.cn';
    case 'aws-us-gov':
      return 'console.amazonaws-us-gov.com';
    default:
      return `${region}.console.aws.amazon.com`;
  }
}

/**
 * The alarm's page in the CloudWatch console.
 *
 * @param change - the alarm's name, ARN (its partition) and region.
 */
export function alarmConsoleUrl(change: Pick<AlarmStateChange, 'alarmName' | 'alarmArn' | 'region'>): string {
  const partition = /^arn:([a-z-]+):/.exec(change.alarmArn)?.[1] ?? 'aws';
  const region = encodeURIComponent(change.region);
  return `https://${consoleHost(partition, region)}/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(change.alarmName)}`;
}

/**
 * The operator's message for an alarm state change: subject `enrich-job-watch <STATE>: <alarm>
 * (<region>)` within SNS's limit, and a body with the change, CloudWatch's reason, the alarm's
 * description (what to do), and where it happened with a console link.
 *
 * @param change - the validated state change.
 * @returns the subject and text to publish to the operator topic.
 */
export function renderAlarmMessage(change: AlarmStateChange): AlarmMessage {
  const headline = HEADLINE[change.state.value];
  const subject = truncate(
    toAsciiLine(`enrich-job-watch ${headline}: ${change.alarmName} (${change.region})`),
    SUBJECT_MAX_LENGTH,
  );
  const lines = [
    `${headline}: ${change.alarmName}`,
    `The alarm went from ${change.previousState.value} to ${change.state.value} at ${change.state.timestamp}.`,
    '',
    `Reason: ${change.state.reason}`,
    '',
    ...(change.description === null
      ? ['The alarm has no description.']
      : [DESCRIPTION_HEADING[change.state.value], change.description]),
    '',
    `Alarm:   ${change.alarmName}`,
    `Account: ${change.accountId}`,
    `Region:  ${change.region}`,
    `Time:    ${change.time}`,
    `Console: ${alarmConsoleUrl(change)}`,
  ];
  return { subject, text: lines.join('\n') };
}
