import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import {
  runPollTick,
  TickIncompleteError,
  type PollTickDeps,
  type TickSummary,
} from '../core/use-cases/poll-tick.js';
import { publishTickMetrics, recordTickMetrics } from './tick-metrics.js';

/**
 * What the schedule sends: the stack's EventBridge Scheduler target has the input
 * `{"time": "<aws.scheduler.scheduled-time>"}`, and an EventBridge rule's scheduled event also
 * carries `time`. A manual invoke may send nothing, and then the clock is used.
 */
const scheduledEventSchema = z.looseObject({ time: z.optional(z.iso.datetime({ offset: true })) });

/**
 * How far the tick's time may be from the real clock. A scheduled invocation may arrive a little
 * late (a retry, a cold start), never much early: behind up to 2 minutes, ahead up to 30 s. A time
 * outside is clamped, so a malformed or replayed event cannot push every job's next check far
 * away (ahead) or run a tick whose leases look expired already (behind).
 */
export const EVENT_TIME_WINDOW = { behindMs: 2 * 60_000, aheadMs: 30_000 } as const;

export interface PollHandlerDeps extends PollTickDeps {
  logger: Logger;
  metrics: Metrics;
}

/**
 * Builds the poll Lambda handler around injected dependencies (production wires defaults in
 * `handler.ts`; tests pass emulator-backed ones).
 */
export function makeHandler(deps: PollHandlerDeps) {
  const poll = async (event: unknown, context: Context): Promise<TickSummary> => {
    const now = tickTime(deps, event);
    const deadline = new Date(deps.clock.now().getTime() + context.getRemainingTimeInMillis());
    try {
      const summary = await runPollTick(deps, { now, deadline });
      recordTickMetrics(deps.metrics, summary);
      return summary;
    } catch (error) {
      if (error instanceof TickIncompleteError) recordTickMetrics(deps.metrics, error.summary);
      throw error;
    } finally {
      publishTickMetrics(deps.metrics);
    }
  };
  return middy(poll).use(injectLambdaContext(deps.logger));
}

/** The scheduled event's time, clamped to {@link EVENT_TIME_WINDOW} around the clock; the clock if it has none. */
function tickTime(deps: PollHandlerDeps, event: unknown): Date {
  const clock = deps.clock.now();
  const parsed = scheduledEventSchema.safeParse(event ?? {});
  const eventTime = parsed.success ? parsed.data.time : undefined;
  if (!eventTime) {
    deps.logger.warn('Event has no usable time; using the clock', { event_type: typeof event });
    return clock;
  }
  const requested = Date.parse(eventTime);
  const earliest = clock.getTime() - EVENT_TIME_WINDOW.behindMs;
  const latest = clock.getTime() + EVENT_TIME_WINDOW.aheadMs;
  const used = Math.min(Math.max(requested, earliest), latest);
  if (used !== requested) {
    deps.logger.warn('Event time is too far from the clock; clamped', {
      event_time: eventTime,
      clock_time: clock.toISOString(),
      used_time: new Date(used).toISOString(),
    });
  }
  return new Date(used);
}
