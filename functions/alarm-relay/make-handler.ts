import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import {
  renderAlarmMessage,
  type AlarmMessage,
  type AlarmStateChange,
  type AlarmStateValue,
} from '../core/domain/alarm-message.js';
import type { CallOptions, Log } from '../core/ports.js';
import { MalformedAlarmEventError, parseAlarmEvent } from './alarm-event.js';

/** Where the relay puts the operator's message: the operator topic (SnsTopicPublisher). */
export interface OperatorPublisher {
  publish(message: AlarmMessage, options?: CallOptions): Promise<{ messageId: string }>;
}

export interface AlarmRelayDeps {
  publisher: OperatorPublisher;
  /** Structured log lines (the Powertools logger in production). */
  log: Log;
  /** For the Lambda context on every log line. */
  logger: Logger;
}

/** What one relayed state change returns (Lambda discards it for an asynchronous invocation). */
export interface RelayResult {
  alarmName: string;
  state: AlarmStateValue;
  messageId: string;
}

/** Left to fail cleanly (and log) when the publish has to give up before the Lambda deadline. */
const DEADLINE_RESERVE_MS = 1_000;

/**
 * Builds the alarm relay Lambda handler: CloudWatch invokes it asynchronously as every alarm's
 * alarm and OK action; it publishes one readable message per state change to the operator topic.
 * Any failure (an event that is not an alarm's, SNS refusing or not answering) fails the
 * invocation, so Lambda retries it and finally keeps it in the on-failure queue: never dropped.
 */
export function makeHandler(deps: AlarmRelayDeps) {
  const relay = async (event: unknown, context: Context): Promise<RelayResult> => {
    const change = readEvent(deps.log, event);
    const where = { alarm_name: change.alarmName, state: change.state.value };
    const signal = AbortSignal.timeout(Math.max(1, context.getRemainingTimeInMillis() - DEADLINE_RESERVE_MS));
    try {
      const { messageId } = await deps.publisher.publish(renderAlarmMessage(change), { signal });
      deps.log.info('Alarm state change relayed to the operator topic', {
        ...where,
        previous_state: change.previousState.value,
        message_id: messageId,
      });
      return { alarmName: change.alarmName, state: change.state.value, messageId };
    } catch (error) {
      deps.log.error('Relaying the alarm state change failed; Lambda retries the invocation', {
        ...where,
        error,
      });
      throw error;
    }
  };
  return middy(relay).use(injectLambdaContext(deps.logger));
}

/** The validated state change; a malformed event is logged by its field paths only, and rethrown. */
function readEvent(log: Log, event: unknown): AlarmStateChange {
  try {
    return parseAlarmEvent(event);
  } catch (error) {
    if (error instanceof MalformedAlarmEventError) {
      log.error('Not a CloudWatch alarm action event; failing the invocation so Lambda keeps it', {
        issues: error.issues,
      });
    }
    throw error;
  }
}
