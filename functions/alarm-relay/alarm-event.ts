/**
 * The event a CloudWatch alarm's Lambda action sends (AWS documents it as the "Lambda action
 * payload"), validated with zod into the domain's {@link AlarmStateChange}. Only the fields the
 * operator's message shows are read; everything else (`metrics`, `reasonData`, composite-alarm
 * fields) passes through unchecked.
 */
import { z } from 'zod';
import { ALARM_STATES, type AlarmStateChange } from '../core/domain/alarm-message.js';
import { WatcherError } from '../core/domain/errors.js';

/** CloudWatch's limits: names 255 characters, descriptions 1,024, reasons 1,023; slack for the rest. */
const NAME_MAX = 255;
const TEXT_MAX = 2_048;
const SHORT_MAX = 128;

const text = (max: number) => z.string().min(1).max(max);

const stateSchema = z
  .object({ value: z.enum(ALARM_STATES), reason: text(TEXT_MAX), timestamp: text(SHORT_MAX) })
  .loose();

const alarmEventSchema = z
  .object({
    source: z.literal('aws.cloudwatch'),
    alarmArn: z.string().regex(/^arn:[a-z-]+:cloudwatch:[a-z0-9-]+:\d{12}:alarm:.+$/),
    accountId: z.string().regex(/^\d{12}$/),
    time: text(SHORT_MAX),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
    alarmData: z
      .object({
        alarmName: text(NAME_MAX),
        state: stateSchema,
        previousState: stateSchema,
        configuration: z.object({ description: z.string().max(TEXT_MAX).optional() }).loose(),
      })
      .loose(),
  })
  .loose();

/** One field of the event that did not fit the schema: its path and what is wrong, never its value. */
export interface AlarmEventIssue {
  readonly path: string;
  readonly problem: string;
}

/**
 * The invocation's event is not a CloudWatch alarm's Lambda action event. The relay fails the
 * invocation with it, so Lambda retries and then keeps the event in the on-failure queue.
 */
export class MalformedAlarmEventError extends WatcherError {
  override name = 'MalformedAlarmEventError';
  constructor(
    readonly issues: readonly AlarmEventIssue[],
    options?: ErrorOptions,
  ) {
    super(
      `Not a CloudWatch alarm action event: ${issues.map((issue) => `${issue.path || '(event)'}: ${issue.problem}`).join('; ')}`,
      options,
    );
  }
}

/**
 * Reads a CloudWatch alarm Lambda action event.
 *
 * @param event - what Lambda passed the handler.
 * @returns the state change the operator's message describes; an empty description is none.
 * @throws MalformedAlarmEventError naming each bad field by its path (never its value).
 */
export function parseAlarmEvent(event: unknown): AlarmStateChange {
  const parsed = alarmEventSchema.safeParse(event);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      // zod's messages name the expected type or limit; the received value is never included.
      problem: issue.code === 'invalid_value' ? 'unexpected value' : issue.message,
    }));
    throw new MalformedAlarmEventError(issues, { cause: parsed.error });
  }
  const { alarmArn, accountId, time, region, alarmData } = parsed.data;
  const description = alarmData.configuration.description?.trim();
  return {
    alarmName: alarmData.alarmName,
    alarmArn,
    accountId,
    region,
    time,
    state: pickState(alarmData.state),
    previousState: pickState(alarmData.previousState),
    description: description ? description : null,
  };
}

function pickState(state: z.infer<typeof stateSchema>): AlarmStateChange['state'] {
  return { value: state.value, reason: state.reason, timestamp: state.timestamp };
}
