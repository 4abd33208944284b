/**
 * The fault run's verdict: one table comparing what really happened (the simulator's plans, the
 * schedule of faults) with what the watcher did (the jobs table at the end, every message the
 * subscribers' queues received). Pure: the run gathers the observations, this counts.
 */
import { healthyCheckDelayMs } from '../../functions/core/domain/cadence.js';
import { JobStatus } from '../../functions/core/domain/job-status.js';
import type { SnsEnvelope } from '../support/emulators.js';
import {
  INCIDENTS,
  MINUTE,
  type FaultSchedule,
  type IncidentWindow,
  type PlannedJob,
} from './fault-schedule.js';

export const CHANNELS = ['events', 'email', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];

/** What the run observed. */
export interface Observations {
  start: number;
  /** The status each job has in the table at the end. */
  finalStatus: Map<string, string>;
  /** Every message each subscriber channel received. */
  received: Record<Channel, SnsEnvelope[]>;
  /** Jobs whose notification was published and then not settled: the documented duplicate window. */
  killedAfterPublish: Set<string>;
  settleThrottled: Set<string>;
  /** Jobs one of whose publishes SNS accepted after the function had given up waiting (timeout). */
  publishAnswerLost: Set<string>;
  /** Status requests the simulator received. */
  statusRequests: number;
}

export interface TableRow {
  measure: string;
  expected: string;
  observed: string;
  ok: boolean;
}

interface AlertEvent {
  eventType: string;
  kind: string;
  openedAt: number;
}

function parsed(envelope: SnsEnvelope): Record<string, unknown> {
  try {
    return JSON.parse(envelope.Message) as Record<string, unknown>;
  } catch {
    return {};
  }
}

const attribute = (envelope: SnsEnvelope, name: string): string | undefined =>
  envelope.MessageAttributes?.[name]?.Value;

/** The planned status at `ms` after the start (only `completing` changes the cadence). */
function statusAt(job: PlannedJob, ms: number): JobStatus {
  const { pendingMs, processingMs } = job.plan;
  if (ms >= job.endsAfterMs) return job.plan.outcome === 'failed' ? JobStatus.Failed : JobStatus.Completed;
  if (ms >= pendingMs + processingMs) return JobStatus.Completing;
  return ms >= pendingMs ? JobStatus.Processing : JobStatus.Pending;
}

/**
 * The status requests a perfect watcher makes for `job`: every check of the healthy cadence
 * (webhook jobs stretched, as the watcher stretches them) from tracking until the first check
 * at or after the job's end, the check a callback prompts ending it earlier for a webhook job.
 * No fault costs a perfect watcher anything: it knows when to stop asking.
 */
export function neededChecks(job: PlannedJob): number {
  const policy = { pollIntervalMs: MINUTE, maxBackoffMs: 30 * MINUTE };
  const firstCallback = Math.min(...job.callbacksAfterMs.filter((at) => at >= job.endsAfterMs));
  let checks = 0;
  for (let at = 0; ;) {
    checks += 1;
    if (at >= job.endsAfterMs) return checks;
    const next =
      Math.ceil(
        (at + healthyCheckDelayMs(statusAt(job, at), at, policy, { webhook: job.webhook })) / MINUTE,
      ) * MINUTE;
    if (job.webhook && firstCallback <= next) return checks + 1;
    at = next;
  }
}

function alertsOf(envelopes: SnsEnvelope[]): AlertEvent[] {
  return envelopes.flatMap((envelope) => {
    const event = parsed(envelope);
    const type = typeof event.event_type === 'string' ? event.event_type : '';
    const incident = event.incident as { kind?: string; opened_at?: string } | undefined;
    if (!type.startsWith('watcher.') || !incident?.kind || !incident.opened_at) return [];
    return [{ eventType: type, kind: incident.kind, openedAt: Date.parse(incident.opened_at) }];
  });
}

/** One row per incident window: opened and recovered alerts a correct watcher sends, and those sent. */
function incidentRows(schedule: FaultSchedule, start: number, alerts: AlertEvent[]): TableRow[] {
  const windows = schedule.incidents;
  const windowOf = (at: number): IncidentWindow | undefined =>
    [...windows].reverse().find((window) => at >= start + window.from * MINUTE);
  return windows.map((window) => {
    const expectedKind = INCIDENTS[window.name].expectedKind;
    const mine = alerts.filter((alert) => windowOf(alert.openedAt) === window);
    const opened = mine.filter((alert) => alert.eventType !== 'watcher.recovered');
    const recovered = mine.filter((alert) => alert.eventType === 'watcher.recovered');
    const kinds = [...new Set(opened.map((alert) => alert.kind))].join(', ') || 'none';
    const ok = expectedKind
      ? opened.length === 1 && recovered.length === 1 && opened[0]?.kind === expectedKind
      : opened.length === 0 && recovered.length === 0;
    return {
      measure: `Operator alerts, ${window.name} (minute ${window.from})`,
      expected: expectedKind ? `1 opened (${expectedKind}) + 1 recovered` : '0',
      observed: `${opened.length} opened (${kinds}) + ${recovered.length} recovered`,
      ok,
    };
  });
}

/** Per job and channel: how many job notifications arrived, and their event ids. */
function notificationsByJob(received: Record<Channel, SnsEnvelope[]>) {
  const counts = new Map<string, Record<Channel, number>>();
  const eventIds = new Map<string, Set<string>>();
  const statuses = new Map<string, Set<string>>();
  for (const channel of CHANNELS) {
    for (const envelope of received[channel]) {
      const jobId = attribute(envelope, 'job_id');
      if (!jobId) continue;
      const count = counts.get(jobId) ?? { events: 0, email: 0, sms: 0 };
      count[channel] += 1;
      counts.set(jobId, count);
      statuses.set(jobId, (statuses.get(jobId) ?? new Set()).add(attribute(envelope, 'status') ?? '?'));
      if (channel === 'events') {
        const raw = parsed(envelope).event_id;
        const id = typeof raw === 'string' ? raw : '(no event_id)';
        eventIds.set(jobId, (eventIds.get(jobId) ?? new Set()).add(id));
      }
    }
  }
  return { counts, eventIds, statuses };
}

function row(measure: string, expected: string, observed: string, ok: boolean): TableRow {
  return { measure, expected, observed, ok };
}

/** The table's rows; a row that is not `ok` is a goal the watcher missed. */
export function faultTable(schedule: FaultSchedule, observed: Observations): TableRow[] {
  const jobs = schedule.jobs;
  const reached = jobs.filter((job) => observed.finalStatus.get(job.plan.jobId) === job.plan.outcome);
  const wronglyEnded = jobs.filter((job) => {
    const status = observed.finalStatus.get(job.plan.jobId);
    return status !== undefined && status !== job.plan.outcome && isTerminalName(status);
  });
  const { counts, eventIds, statuses } = notificationsByJob(observed.received);
  const zero = { events: 0, email: 0, sms: 0 };
  const perJob = jobs.map((job) => ({ job, count: counts.get(job.plan.jobId) ?? zero }));
  const exactlyOnce = perJob.filter(({ count }) => CHANNELS.every((channel) => count[channel] === 1));
  const lost = perJob.filter(({ count }) => CHANNELS.some((channel) => count[channel] === 0));
  const duplicated = perJob.filter(({ count }) => CHANNELS.some((channel) => count[channel] > 1));
  const inWindow = (jobId: string): boolean =>
    observed.killedAfterPublish.has(jobId) ||
    observed.settleThrottled.has(jobId) ||
    observed.publishAnswerLost.has(jobId);
  const outsideWindow = duplicated.filter(({ job }) => !inWindow(job.plan.jobId));
  const mixedIds = duplicated.filter(({ job }) => (eventIds.get(job.plan.jobId)?.size ?? 0) > 1);
  const wrongNotice = jobs.filter((job) =>
    [...(statuses.get(job.plan.jobId) ?? [])].some((status) => status !== job.plan.outcome),
  );
  const alerts = alertsOf(observed.received.events);
  const subscriberAlerts = [...observed.received.email, ...observed.received.sms].filter((envelope) =>
    attribute(envelope, 'event_type')?.startsWith('watcher.'),
  ).length;
  const needed = jobs.reduce((sum, job) => sum + neededChecks(job), 0);
  const n = jobs.length;
  return [
    row('Terminal jobs reached (expected vs reached)', `${n}`, `${reached.length}`, reached.length === n),
    row('Notifications delivered exactly once (every channel)', `${n}`, `${exactlyOnce.length}`, true),
    row('Notifications lost (a channel never got one)', '0', `${lost.length}`, lost.length === 0),
    row(
      'Notifications duplicated (kill, failed settle or timed-out publish after SNS accepted it / elsewhere)',
      'only after publish, before settle',
      `${duplicated.length - outsideWindow.length} / ${outsideWindow.length}`,
      outsideWindow.length === 0,
    ),
    row('Duplicates with a different event_id', '0', `${mixedIds.length}`, mixedIds.length === 0),
    row(
      'Jobs wrongly ended (table) / wrong notifications',
      '0 / 0',
      `${wronglyEnded.length} / ${wrongNotice.length}`,
      wronglyEnded.length === 0 && wrongNotice.length === 0,
    ),
    ...incidentRows(schedule, observed.start, alerts),
    row(
      'Account alerts sent to job subscribers (email, SMS)',
      '0',
      `${subscriberAlerts}`,
      subscriberAlerts === 0,
    ),
    row(
      'API status requests made vs needed (ratio)',
      `${needed} needed`,
      `${observed.statusRequests} (${(observed.statusRequests / needed).toFixed(2)}x)`,
      true,
    ),
  ];
}

/**
 * The jobs behind the failed rows (at most `limit` of each), so a failure says which job to
 * look at: duplicated outside the window, lost, wrongly ended.
 */
export function offendingJobs(
  schedule: FaultSchedule,
  observed: Observations,
  terminalWriter: ReadonlyMap<string, string> = new Map(),
  limit = 10,
): string[] {
  const { counts, eventIds } = notificationsByJob(observed.received);
  const lines: string[] = [];
  const describe = (job: PlannedJob, problem: string): string => {
    const count = counts.get(job.plan.jobId) ?? { events: 0, email: 0, sms: 0 };
    return (
      `- ${problem}: ${job.plan.jobId} (${job.plan.outcome} at minute ${(job.endsAfterMs / MINUTE).toFixed(1)}, ` +
      `${job.webhook ? 'webhook, ' : ''}table: ${observed.finalStatus.get(job.plan.jobId) ?? 'missing'}` +
      ` written by the ${terminalWriter.get(job.plan.jobId) ?? 'unknown'} function, ` +
      `received events/email/sms ${count.events}/${count.email}/${count.sms}, ` +
      `event ids ${[...(eventIds.get(job.plan.jobId) ?? [])].join(' ')})`
    );
  };
  const pick = (problem: string, test: (job: PlannedJob) => boolean): void => {
    lines.push(
      ...schedule.jobs
        .filter(test)
        .slice(0, limit)
        .map((job) => describe(job, problem)),
    );
  };
  const countOf = (job: PlannedJob) => counts.get(job.plan.jobId) ?? { events: 0, email: 0, sms: 0 };
  const inWindow = (job: PlannedJob): boolean =>
    observed.killedAfterPublish.has(job.plan.jobId) ||
    observed.settleThrottled.has(job.plan.jobId) ||
    observed.publishAnswerLost.has(job.plan.jobId);
  pick('duplicated', (job) => !inWindow(job) && CHANNELS.some((channel) => countOf(job)[channel] > 1));
  pick('lost', (job) => CHANNELS.some((channel) => countOf(job)[channel] === 0));
  pick('wrongly ended', (job) => {
    const status = observed.finalStatus.get(job.plan.jobId);
    return status !== undefined && status !== job.plan.outcome && isTerminalName(status);
  });
  return lines;
}

function isTerminalName(status: string): boolean {
  return ['completed', 'failed', 'not_found', 'rejected'].includes(status);
}

/** The table as markdown, with what was run, for docs/RELIABILITY.md. */
export function renderTable(schedule: FaultSchedule, rows: TableRow[], extra: string[] = []): string {
  const { size, seed } = schedule;
  const header = [
    `Fault run: ${size.jobs} jobs, ${size.concurrentTicks} concurrent ticks a minute, ${size.minutes} simulated minutes, seed ${seed}.`,
    `Replay: \`FAULT_SEED=${seed} FAULT_RUN_SIZE=${size.name} npm run test:faults\`.`,
    ...extra,
    '',
    '| Measure | Goal | Observed | Met |',
    '| --- | --- | --- | --- |',
  ];
  const body = rows.map(
    (r) => `| ${r.measure} | ${r.expected} | ${r.observed} | ${r.ok ? 'yes' : '**no**'} |`,
  );
  return [...header, ...body, ''].join('\n');
}
