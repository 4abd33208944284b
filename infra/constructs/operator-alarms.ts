import { Duration } from 'aws-cdk-lib';
import {
  ComparisonOperator,
  MathExpression,
  TreatMissingData,
  type AlarmProps,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { ACCESS_ERROR_KINDS, DEGRADED_API_ERROR_KINDS, TickMetric } from '../../functions/contract.js';
import { tickMetric, type MetricsIdentity } from '../telemetry.js';

// The alarms of the Operations construct, one definition per alarm: what it watches, when it
// fires, and what its notification tells the operator. Operations names them and wires them.

/** The share of the timeout a tick's p99 duration may reach before the duration alarm fires. */
export const DURATION_ALARM_SHARE = 0.8;
/** The period of every alarm except the heartbeat's (one minute per datapoint). */
export const ALARM_PERIOD = Duration.minutes(5);
/** The heartbeat's datapoints are this long; it fires when all of them in its window are empty. */
export const HEARTBEAT_PERIOD = Duration.minutes(1);
/** CloudWatch: evaluation periods x period may not exceed a day. */
export const MAX_HEARTBEAT = Duration.days(1);

/**
 * The heartbeat window in whole minutes: the given one, or the longer of 10 minutes and three
 * intervals. Throws when it is not whole minutes, shorter than two intervals or longer than a day.
 */
export function heartbeatWindowMinutes(
  pollInterval: Duration,
  heartbeatWindow: Duration | undefined,
): number {
  const intervalMinutes = pollInterval.toMinutes({ integral: false });
  const minutes = (heartbeatWindow ?? Duration.minutes(Math.max(10, 3 * intervalMinutes))).toMinutes({
    integral: false,
  });
  if (!Number.isInteger(minutes) || minutes < 2 * intervalMinutes || minutes > MAX_HEARTBEAT.toMinutes()) {
    throw new Error(
      `Operations: heartbeatWindow must be whole minutes, at least two poll intervals (${2 * intervalMinutes}) and at most ${MAX_HEARTBEAT.toMinutes()} (got ${minutes})`,
    );
  }
  return minutes;
}

/** An alarm before it is named after the stack and wired to the operator topic. */
export type AlarmDefinition = Omit<AlarmProps, 'alarmName' | 'alarmDescription'> & {
  /** The construct id, and the alarm name after the stack name. */
  readonly id: string;
  /** What fired, the likely causes, and where to look: the operator reads it in the notification. */
  readonly description: string;
};

/** Fires on 2 of the last 3 five-minute periods, so one bad tick does not page anyone. */
const TWO_OF_THREE_PERIODS = {
  evaluationPeriods: 3,
  datapointsToAlarm: 2,
  treatMissingData: TreatMissingData.NOT_BREACHING,
} as const;

/** At least one in the last five-minute period. */
const ANY_IN_ONE_PERIOD = {
  threshold: 1,
  comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  evaluationPeriods: 1,
  treatMissingData: TreatMissingData.NOT_BREACHING,
} as const;

/** Ticks that crashed (Lambda Errors). */
export function pollErrorsAlarm(fn: IFunction): AlarmDefinition {
  return {
    id: 'PollErrors',
    description:
      'Poll ticks failed (Lambda Errors >= 1 in 2 of the last 3 five-minute periods): a crash, an invalid configuration or an internal error. Read the function log group and the X-Ray traces.',
    metric: fn.metricErrors({ period: ALARM_PERIOD, statistic: 'Sum' }),
    threshold: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    ...TWO_OF_THREE_PERIODS,
  };
}

/** HTTP API answers of 500 and above: API Gateway's (integration failures) and the functions' own. */
export function apiServerErrorsAlarm(api: IHttpApi): AlarmDefinition {
  return {
    id: 'ApiServerErrors',
    description:
      'The HTTP API answered 5xx (5xx >= 1 in 2 of the last 3 five-minute periods): the API or webhook function crashed, timed out or was throttled, or a server fault reached a caller. Find the requests in the API access log group (status, routeKey, integrationError), then the function log groups by requestId.',
    metric: api.metricServerError({ period: ALARM_PERIOD, statistic: 'Sum' }),
    threshold: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    ...TWO_OF_THREE_PERIODS,
  };
}

/** Webhook invocations that crashed (Lambda Errors): callbacks then fall back to polling. */
export function webhookErrorsAlarm(fn: IFunction): AlarmDefinition {
  return {
    id: 'WebhookErrors',
    description:
      'The webhook function failed (Lambda Errors >= 1 in 2 of the last 3 five-minute periods): CompanyEnrich callbacks are not turned into checks, so finished jobs are only noticed by polling, minutes later. Read the webhook function log group and its X-Ray traces (the secret unreadable, the table or the API failing).',
    metric: fn.metricErrors({ period: ALARM_PERIOD, statistic: 'Sum' }),
    threshold: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    ...TWO_OF_THREE_PERIODS,
  };
}

/** Invocations refused for the reserved concurrency (Lambda Throttles). */
export function pollThrottlesAlarm(fn: IFunction): AlarmDefinition {
  return {
    id: 'PollThrottles',
    description:
      'Poll invocations were throttled (Lambda Throttles >= 1 in 2 of the last 3 five-minute periods): ticks overlapped the reserved concurrency (a manual invoke, or ticks running as long as the interval) and some were dropped. Check the duration and the reserved concurrency.',
    metric: fn.metricThrottles({ period: ALARM_PERIOD, statistic: 'Sum' }),
    threshold: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    ...TWO_OF_THREE_PERIODS,
  };
}

/** Ticks whose p99 duration nears the timeout (at {@link DURATION_ALARM_SHARE} of it). */
export function pollDurationAlarm(fn: IFunction, pollTimeout: Duration): AlarmDefinition {
  return {
    id: 'PollDuration',
    description: `Poll ticks run close to their timeout (p99 Duration > ${DURATION_ALARM_SHARE * 100}% of ${pollTimeout.toSeconds()} s in 2 of the last 3 five-minute periods): more due jobs than a tick can check, or a slow API. Look at the deferred jobs and the halts with reason deadline (saved queries TickSummary and HaltsByReason) and the SlowestTicks query; raise CHECK_CONCURRENCY or the timeout.`,
    metric: fn.metricDuration({ period: ALARM_PERIOD, statistic: 'p99' }),
    threshold: Math.round(pollTimeout.toMilliseconds() * DURATION_ALARM_SHARE),
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    ...TWO_OF_THREE_PERIODS,
  };
}

/** Ticks EventBridge Scheduler could not deliver and dead-lettered. */
export function deadLettersAlarm(deadLetterQueue: IQueue): AlarmDefinition {
  return {
    id: 'ScheduleDeadLetters',
    description:
      'EventBridge Scheduler could not invoke the poll function and dead-lettered the tick (messages visible >= 1): the function or the schedule role is broken. Read the message attributes (ERROR_CODE, ERROR_MESSAGE), fix, then purge the queue; ticks are not replayed.',
    metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: ALARM_PERIOD,
      statistic: 'Maximum',
    }),
    ...ANY_IN_ONE_PERIOD,
  };
}

/** API errors of every kind that means CompanyEnrich refuses the key (`ApiAccessErrors`, their sum). */
export function apiAccessAlarm(identity: MetricsIdentity): AlarmDefinition {
  return {
    id: 'ApiAccess',
    description: `CompanyEnrich refuses the watcher (ApiAccessErrors, the API errors of kind ${ACCESS_ERROR_KINDS.join(' / ')}, >= 1 in the last five minutes): the key was revoked (401/403), a firewall in front of the API blocks it (403), credits are exhausted, or the secret is missing, empty or denied. Polling is paused until it clears. The saved query ApiErrorsByKind tells the kinds apart. Fix the key (SetApiKeyCommand output), the firewall or IP allow-list, or the account's credits.`,
    metric: tickMetric(identity, TickMetric.ApiAccessErrors, { period: ALARM_PERIOD }),
    ...ANY_IN_ONE_PERIOD,
  };
}

/** Fires when every one of the last 3 five-minute periods breaches: 15 minutes, sustained. */
const THREE_PERIODS_IN_A_ROW = {
  evaluationPeriods: 3,
  datapointsToAlarm: 3,
  treatMissingData: TreatMissingData.NOT_BREACHING,
} as const;

/** The share of the checks (percent) failing on the API's side that the degraded-API alarm fires at. */
export const DEGRADED_API_PERCENT = 25;
/** How long a notification may stay owed before the owed-notification alarm fires. */
export const OWED_NOTIFICATION_LIMIT = Duration.minutes(15);

/** Notifications or operator alerts SNS did not accept (they stay owed and are retried). */
export function publishFailuresAlarm(identity: MetricsIdentity): AlarmDefinition {
  return {
    id: 'PublishFailures',
    description:
      'Publishing to SNS failed (PublishFailures >= 1 in 2 of the last 3 five-minute periods; one failure retried successfully by the next tick does not fire it): a topic deleted or its policy changed, the function role edited, or SNS failing. Nothing is lost: the notification stays owed and later ticks send the channels that missed it. Read the poll function log group ("publish failed": event_id, failed_channels, error) and fix the topic, key or role; the NotificationOwed alarm says when deliveries are 15 minutes late.',
    metric: tickMetric(identity, TickMetric.PublishFailures, { period: ALARM_PERIOD }),
    threshold: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    ...TWO_OF_THREE_PERIODS,
  };
}

/**
 * CompanyEnrich answering badly (5xx, timeouts, resets, malformed or mismatched bodies) for a
 * share of the checks, sustained. A ratio, not a count: one job whose status keeps failing backs
 * off on its own and is no outage, while a degraded API fails part of every tick's checks.
 */
export function apiDegradedAlarm(identity: MetricsIdentity): AlarmDefinition {
  return {
    id: 'ApiDegraded',
    description: `CompanyEnrich is failing the watcher's checks: ApiDegradedErrors (the API errors of kind ${DEGRADED_API_ERROR_KINDS.join(' / ')}) were >= ${DEGRADED_API_PERCENT}% of JobsChecked in each of the last 3 five-minute periods (a ratio, so one job that keeps failing, which backs off on its own, does not fire it; 15 minutes, so a short blip does not either). Jobs are not lost: every failed check is retried with backoff, so notifications come late, not wrong. Read the saved query ApiErrorsByKind (which kinds) and CompanyEnrich's status page; for timeouts check API_TIMEOUT_MS and the network path; for malformed or mismatched answers check COMPANYENRICH_API_URL and whether the API changed.`,
    metric: new MathExpression({
      // No errors published in a period with checks is 0% (the series has data only when non-zero).
      expression: 'IF(checked > 0, 100 * FILL(errors, 0) / checked, 0)',
      usingMetrics: {
        checked: tickMetric(identity, TickMetric.JobsChecked, { period: ALARM_PERIOD }),
        errors: tickMetric(identity, TickMetric.ApiDegradedErrors, { period: ALARM_PERIOD }),
      },
      label: 'API errors, % of checks',
      period: ALARM_PERIOD,
    }),
    threshold: DEGRADED_API_PERCENT,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    ...THREE_PERIODS_IN_A_ROW,
  };
}

/** Ticks halted by CompanyEnrich's 429s (or the pause after one) for 15 minutes in a row. */
export function throttledHaltsAlarm(identity: MetricsIdentity): AlarmDefinition {
  return {
    id: 'ThrottledHalts',
    description:
      'CompanyEnrich has been rate-limiting the watcher for 15 minutes (ThrottledHalts, the ticks halted with reason throttled, >= 1 in each of the last 3 five-minute periods): checks, and so notifications, are delayed while the watcher honours Retry-After. Check what else uses the same API key (the limit is per account), lower CHECK_CONCURRENCY or lengthen the poll interval, or ask CompanyEnrich for a higher limit. It clears by itself once the API stops answering 429.',
    metric: tickMetric(identity, TickMetric.ThrottledHalts, { period: ALARM_PERIOD }),
    threshold: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    ...THREE_PERIODS_IN_A_ROW,
  };
}

/** A notification or operator alert still owed {@link OWED_NOTIFICATION_LIMIT} after it was detected. */
export function notificationOwedAlarm(identity: MetricsIdentity): AlarmDefinition {
  const limitSeconds = OWED_NOTIFICATION_LIMIT.toSeconds();
  return {
    id: 'NotificationOwed',
    description: `A job notification or operator alert has been owed for more than ${OWED_NOTIFICATION_LIMIT.toMinutes()} minutes (OldestOwedNotificationSeconds maximum > ${limitSeconds} in the last five minutes): SNS keeps refusing it, or ticks keep failing before they reach it. Check the PublishFailures, PollErrors and Heartbeat alarms and the poll function log group ("publish failed", "Retrying owed notification"). Once the cause is fixed the next tick delivers it, to the channels that missed it only.`,
    metric: tickMetric(identity, TickMetric.OldestOwedNotificationSeconds, {
      period: ALARM_PERIOD,
      statistic: 'Maximum',
    }),
    threshold: limitSeconds,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  };
}

/**
 * Every one-minute datapoint of the window must lack a completed tick: an invocation of the poll
 * function that did not fail (Lambda Invocations - Errors, both free). A tick that returns,
 * halted or not, completed; a crash, a timeout or an internal error is an Error. Missing data
 * (no invocation at all) counts as none.
 */
export function heartbeatAlarm(fn: IFunction, minutes: number): AlarmDefinition {
  const perMinute = { period: HEARTBEAT_PERIOD, statistic: 'Sum' } as const;
  return {
    id: 'Heartbeat',
    description: `No poll tick completed for ${minutes} minutes (Lambda Invocations - Errors of the poll function < 1 in every minute; no data counts as none): the schedule is disabled or failing, or every tick fails. Check the schedule and its ScheduleDeadLetters alarm, the PollErrors alarm and the function log group.`,
    metric: new MathExpression({
      expression: 'FILL(invocations, 0) - FILL(errors, 0)',
      usingMetrics: {
        invocations: fn.metricInvocations(perMinute),
        errors: fn.metricErrors(perMinute),
      },
      label: 'completed ticks',
      period: HEARTBEAT_PERIOD,
    }),
    threshold: 1,
    comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: minutes,
    datapointsToAlarm: minutes,
    treatMissingData: TreatMissingData.BREACHING,
  };
}
