import { QueryDefinition, QueryString, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { JobStatus, StatusApiErrorKind } from '../../functions/contract.js';

/**
 * The saved Logs Insights queries (free: a query costs only the data it scans) that show what the
 * custom metrics no longer do: what the ticks did, API errors by kind, jobs by status, the HTTP
 * requests by outcome, the slowest ticks. They read the poll function's summary line ("Poll tick
 * finished", one per tick) and the HTTP functions' `outcome` field.
 *
 * Every field a query reads from the functions' JSON lines is written in backticks (Logs Insights
 * quoting), so a test can list them and check that the code logs each one; `@` fields are the
 * ones Logs Insights and Lambda add.
 */

/** The log groups the queries read. */
export interface QueryLogGroups {
  /** The poll function's: one summary line per tick, and Lambda's REPORT lines. */
  readonly poll: ILogGroup;
  /** The API function's: one `outcome` line per request. */
  readonly api: ILogGroup;
  /** The webhook function's: one `outcome` line per request. */
  readonly webhook: ILogGroup;
}

export interface SavedLogQueriesProps {
  /** The folder the queries are saved in (their names are `<prefix>/<query id>`): the stack name. */
  readonly prefix: string;
  readonly logGroups: QueryLogGroups;
}

type LogSource = keyof QueryLogGroups;

/** A saved query before it is named after the stack. */
export interface SavedQuery {
  /** The construct id, and the query's name after `<stack>/`. */
  readonly id: string;
  /** The dashboard widget's title. */
  readonly title: string;
  readonly sources: readonly LogSource[];
  readonly query: QueryString;
}

/** The fixed message of the poll function's one summary line per tick (`TickTally.finish`). */
export const TICK_SUMMARY_MESSAGE = 'Poll tick finished';

const field = (name: string): string => `\`${name}\``;
const TICK_SUMMARY = `${field('message')} = "${TICK_SUMMARY_MESSAGE}"`;
/** `sum(<field>) as <alias>` for each [field, alias]; an alias never repeats a field's name. */
const sums = (pairs: readonly (readonly [string, string])[]): string =>
  pairs.map(([name, alias]) => `sum(${field(name)}) as ${alias}`).join(', ');

const tickSummary: SavedQuery = {
  id: 'TickSummary',
  title: 'Ticks over time (sums over 5 minutes)',
  sources: ['poll'],
  query: new QueryString({
    filterStatements: [TICK_SUMMARY],
    statsStatements: [
      `count(*) as ticks, ${sums([
        ['checked', 'checks'],
        ['transitions', 'status_changes'],
        ['notified', 'notifications'],
        ['alerts', 'operator_alerts'],
        ['deferred', 'deferred_jobs'],
        ['conflicts', 'write_conflicts'],
        ['regressionsIgnored', 'regressions_ignored'],
        ['anomalies', 'unknown_statuses'],
        ['errors.publish_failed', 'publish_failures'],
        ['errors.internal', 'internal_errors'],
      ])}, max(${field('oldestOwedSeconds')}) as oldest_owed_seconds by bin(5m)`,
    ],
  }),
};

const haltsByReason: SavedQuery = {
  id: 'HaltsByReason',
  title: 'Halted ticks by reason',
  sources: ['poll'],
  query: new QueryString({
    filterStatements: [`${TICK_SUMMARY} and ispresent(${field('halted')})`],
    statsStatements: [`count(*) as ticks by ${field('halted')}, bin(1h)`],
  }),
};

const apiErrorsByKind: SavedQuery = {
  id: 'ApiErrorsByKind',
  title: 'CompanyEnrich errors by kind (sums over 5 minutes)',
  sources: ['poll'],
  query: new QueryString({
    filterStatements: [TICK_SUMMARY],
    statsStatements: [
      `${sums(Object.values(StatusApiErrorKind).map((kind) => [`errors.${kind}`, kind]))} by bin(5m)`,
    ],
  }),
};

const jobsByStatus: SavedQuery = {
  id: 'JobsByStatus',
  title: 'Checked jobs by status after the check (sums over 5 minutes)',
  sources: ['poll'],
  query: new QueryString({
    filterStatements: [TICK_SUMMARY],
    statsStatements: [
      `${sums(Object.values(JobStatus).map((status) => [`byStatus.${status}`, status]))} by bin(5m)`,
    ],
  }),
};

const httpOutcomes: SavedQuery = {
  id: 'HttpOutcomes',
  title: 'HTTP API and webhook requests by outcome',
  sources: ['api', 'webhook'],
  query: new QueryString({
    filterStatements: [`ispresent(${field('outcome')})`],
    statsStatements: [`count(*) as requests by ${field('outcome')}, bin(1h)`],
  }),
};

const slowestTicks: SavedQuery = {
  id: 'SlowestTicks',
  title: 'Slowest ticks (Lambda REPORT lines)',
  sources: ['poll'],
  query: new QueryString({
    filterStatements: ['@type = "REPORT"'],
    fields: ['@timestamp', '@requestId', '@duration', '@billedDuration', '@maxMemoryUsed', '@initDuration'],
    sort: '@duration desc',
    limit: 25,
  }),
};

/** Every saved query, in the dashboard's order. */
export const SAVED_QUERIES: readonly SavedQuery[] = [
  tickSummary,
  haltsByReason,
  apiErrorsByKind,
  jobsByStatus,
  httpOutcomes,
  slowestTicks,
];

/** The names of the log groups `query` reads. */
export function logGroupNamesOf(query: SavedQuery, logGroups: QueryLogGroups): string[] {
  return query.sources.map((source) => logGroups[source].logGroupName);
}

/**
 * The stack's saved Logs Insights queries, each scoped to its log groups and named
 * `<prefix>/<query id>` (the console shows them in a folder per stack).
 */
export class SavedLogQueries extends Construct {
  constructor(
    scope: Construct,
    id: string,
    props: { readonly prefix: string; readonly logGroups: QueryLogGroups },
  ) {
    super(scope, id);
    for (const query of SAVED_QUERIES) {
      new QueryDefinition(this, query.id, {
        queryDefinitionName: `${props.prefix}/${query.id}`,
        queryString: query.query,
        logGroups: query.sources.map((source) => props.logGroups[source]),
      });
    }
  }
}
