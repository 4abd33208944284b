import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApiHandler } from '../../functions/api/make-handler.js';
import { JobStatus, StatusApiErrorKind } from '../../functions/contract.js';
import { makeHandler } from '../../functions/poll/make-handler.js';
import { makeWebhookHandler } from '../../functions/webhook/make-handler.js';
import { SAVED_QUERIES, TICK_SUMMARY_MESSAGE, type SavedQuery } from '../../infra/constructs/log-queries.js';
import { FakeJobsApplication } from '../api/fake-jobs-application.js';
import { apiGatewayEvent, httpLambdaContext } from '../support/api-gateway-event.js';
import { JOB_ID } from '../support/builders.js';
import { captureOutput, discoveredFields, logLines, type JsonLine } from '../support/captured-output.js';
import { MINUTE, startWatcher, type Watcher } from '../support/watcher-harness.js';

/**
 * A saved query on a field nobody logs shows an empty table and looks like "nothing happened".
 * So the functions run here, with the Powertools logger as deployed, and every field each query
 * reads must be in the lines its log groups would hold.
 */

/** The fields Lambda and Logs Insights add to a Lambda log group (REPORT lines among them). */
const PLATFORM_FIELDS = new Set([
  '@timestamp',
  '@message',
  '@logStream',
  '@log',
  '@type',
  '@requestId',
  '@duration',
  '@billedDuration',
  '@maxMemoryUsed',
  '@memorySize',
  '@initDuration',
]);

/** The keys the tick summary's maps can hold (a tick logs only those it counted). */
const MAP_KEYS: Record<string, readonly string[]> = {
  errors: [...Object.values(StatusApiErrorKind), 'unknown_status', 'publish_failed', 'internal'],
  byStatus: Object.values(JobStatus),
};

/** The fields a query reads: its backticked names, and the `@` fields. */
function fieldsOf(query: SavedQuery): string[] {
  const text = query.query.toString();
  const quoted = [...text.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? '');
  const platform = [...text.matchAll(/@[A-Za-z]+/g)].map((match) => match[0]);
  return [...new Set([...quoted, ...platform])];
}

const INFO_LOGGER = () => new Logger({ serviceName: 'enrich-job-watch-test', logLevel: 'INFO' });

let watcher: Watcher;
const lines: Record<'poll' | 'api' | 'webhook', JsonLine[]> = { poll: [], api: [], webhook: [] };

/** Ticks that transition, fail, halt and publish: what an operator's queries would look at. */
async function runPollTicks(): Promise<void> {
  const logger = INFO_LOGGER();
  const handler = makeHandler({
    ...watcher.deps,
    log: logger,
    logger,
    metrics: new Metrics(),
  });
  const tick = async (afterMs: number) => {
    watcher.clock.advance(afterMs);
    const { json } = await captureOutput(() =>
      handler({ time: watcher.clock.now().toISOString() }, httpLambdaContext(50_000, 'poll')),
    );
    lines.poll.push(...logLines(json));
  };
  const quick = { totalDomains: 5, pendingMs: 0, processingMs: 0, completingMs: 0 } as const;
  await watcher.createAndTrack({ ...quick, outcome: 'completed' });
  await watcher.createAndTrack({ ...quick, processingMs: 60 * MINUTE, outcome: 'completed' });
  const failing = await watcher.createAndTrack({ ...quick, processingMs: 60 * MINUTE, outcome: 'failed' });
  watcher.simulator.injectFault(failing, { kind: 'http', status: 500 }, Infinity);
  await tick(0);
  const throttled = await watcher.createAndTrack({ ...quick, outcome: 'failed' });
  watcher.simulator.injectFault(
    throttled,
    { kind: 'http', status: 429, headers: { 'retry-after': '60' } },
    1,
  );
  await tick(MINUTE);
}

async function runHttpFunctions(): Promise<void> {
  const api = makeApiHandler({
    jobs: new FakeJobsApplication(),
    logger: INFO_LOGGER(),
  });
  const webhook = makeWebhookHandler({
    webhooks: { hint: () => Promise.resolve('checked' as const) },
    logger: INFO_LOGGER(),
  });
  const json = { 'content-type': 'application/json' };
  lines.api.push(
    ...logLines(
      (
        await captureOutput(async () => {
          await api(
            apiGatewayEvent({ method: 'POST', path: '/jobs', headers: json, body: { job_id: JOB_ID } }),
            httpLambdaContext(),
          );
          await api(apiGatewayEvent({ method: 'GET', path: '/nowhere' }), httpLambdaContext());
        })
      ).json,
    ),
  );
  lines.webhook.push(
    ...logLines(
      (
        await captureOutput(() =>
          webhook(
            apiGatewayEvent({
              method: 'POST',
              path: `/hooks/companyenrich/${JOB_ID}/token`,
              headers: json,
              body: {},
            }),
            httpLambdaContext(29_000, 'webhook'),
          ),
        )
      ).json,
    ),
  );
}

beforeAll(async () => {
  watcher = await startWatcher();
  await runPollTicks();
  await runHttpFunctions();
});
afterAll(async () => {
  await watcher.stop();
});

describe('the saved Logs Insights queries', () => {
  it('read the tick summary line, which carries every count the custom metrics no longer do', () => {
    const summaries = lines.poll.filter((line) => line.message === TICK_SUMMARY_MESSAGE);
    expect(summaries).toHaveLength(2);
    const fields = new Set(summaries.flatMap((line) => discoveredFields(line)));
    for (const field of [
      'checked',
      'transitions',
      'notified',
      'alerts',
      'deferred',
      'conflicts',
      'regressionsIgnored',
      'anomalies',
      'oldestOwedSeconds',
      'halted',
      'byStatus.completed',
      'errors.server_error',
      'errors.throttled',
    ]) {
      expect(fields, field).toContain(field);
    }
  });

  it.each(SAVED_QUERIES.map((query) => [query.id, query] as const))(
    '%s reads only fields its log groups hold',
    (_id, query) => {
      const text = query.query.toString();
      const sourceLines = query.sources.flatMap((source) => lines[source]);
      const scoped = text.includes(TICK_SUMMARY_MESSAGE)
        ? sourceLines.filter((line) => line.message === TICK_SUMMARY_MESSAGE)
        : sourceLines;
      expect(scoped.length).toBeGreaterThan(0);
      const logged = new Set(scoped.flatMap((line) => discoveredFields(line)));
      const missing = fieldsOf(query).filter((field) => {
        if (PLATFORM_FIELDS.has(field) || logged.has(field)) return false;
        // A map key this run did not happen to count: its map must be logged and the key valid.
        const [map = '', key = ''] = field.split('.');
        return !(logged.has(map) && MAP_KEYS[map]?.includes(key));
      });
      expect(missing).toEqual([]);
    },
  );

  it('count HTTP requests by an outcome every API and webhook request logs', () => {
    const outcomes = [...lines.api, ...lines.webhook]
      .filter((line) => 'outcome' in line)
      .map((line) => line.outcome);
    expect(outcomes).toEqual(['job_tracked', 'client_error', 'checked']);
  });
});
