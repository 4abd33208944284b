import type { JobSnapshot, OwedNotification, TrackedJob } from './job.js';
import type { IncidentKind } from './errors.js';
import { JobStatus } from './job-status.js';
import { renderWithinSnsLimits } from './notification-limits.js';

/** Bumped only for breaking changes to the JSON event; additive fields keep the version. */
export const EVENT_SCHEMA_VERSION = 1;

/** The `event_type` values subscribers can filter on. */
export const EventType = {
  JobCompleted: 'job.completed',
  JobFailed: 'job.failed',
  JobNotFound: 'job.not_found',
  JobRejected: 'job.rejected',
  WatcherUnauthorized: 'watcher.unauthorized',
  WatcherPaymentRequired: 'watcher.payment_required',
  WatcherForbidden: 'watcher.forbidden',
  WatcherApiKeyUnavailable: 'watcher.api_key_unavailable',
  WatcherSystematicNotFound: 'watcher.systematic_not_found',
  WatcherSystematicRejected: 'watcher.systematic_rejected',
  WatcherRecovered: 'watcher.recovered',
} as const;

export type EventType = (typeof EventType)[keyof typeof EventType];

const JOB_EVENT_TYPE: Partial<Record<JobStatus, EventType>> = {
  completed: EventType.JobCompleted,
  failed: EventType.JobFailed,
  not_found: EventType.JobNotFound,
  rejected: EventType.JobRejected,
};

/** The versioned JSON document automation subscribers (SQS, Lambda, HTTPS) receive for a job. */
export interface JobEventDocument {
  schema_version: typeof EVENT_SCHEMA_VERSION;
  event_id: string;
  event_type: EventType;
  job_id: string;
  status: JobStatus;
  previous_status: JobStatus;
  label: string | null;
  metadata: Record<string, string>;
  detected_at: string;
  tracked_at: string;
  /** The last API snapshot; null when the API never answered with one (not_found, rejected). */
  job: JobSnapshot | null;
  /** Why the watcher ended the job, for `not_found` and `rejected`. */
  reason: string | null;
  /** Present (true) only when fields were cut to fit SNS's 256 KiB; each cut is marked in its field. */
  truncated?: true;
}

/** The JSON document for account-level incidents (key rejected, credits exhausted, recovered). */
export interface WatcherEventDocument {
  schema_version: typeof EVENT_SCHEMA_VERSION;
  event_id: string;
  event_type: EventType;
  detected_at: string;
  incident: { kind: IncidentKind; opened_at: string };
  message: string;
}

/**
 * One notification rendered for every kind of subscriber. Rendering is pure; the notifier
 * adapter only maps it onto the transport (SNS `MessageStructure=json`, or a terminal).
 */
export interface RenderedNotification {
  eventId: string;
  eventType: EventType;
  /** Email subject: ASCII, no line breaks, under 100 characters. */
  subject: string;
  /** Email body: plain text a person reads. */
  text: string;
  /** One SMS: ASCII (so it never falls back to 70-character UCS-2 segments), at most 140 characters. */
  sms: string;
  document: JobEventDocument | WatcherEventDocument;
  /** SNS message attributes: what subscription filter policies match on. */
  attributes: Record<string, string>;
}

export const SUBJECT_MAX_LENGTH = 99;
export const SMS_MAX_LENGTH = 140;

/**
 * Reduces free text (labels, API messages) to printable ASCII on one line: SNS rejects
 * subjects with line breaks or non-ASCII, and SMS carriers split non-GSM text into short parts.
 */
export function toAsciiLine(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Shortens to at most `max` characters, marking the cut with "...". */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  if (max <= 3) return value.slice(0, max);
  return `${value.slice(0, max - 3).trimEnd()}...`;
}

function shortId(jobId: string): string {
  return jobId.slice(0, 8);
}

function jobName(job: TrackedJob): string {
  const label = job.label ? toAsciiLine(job.label) : '';
  return label || `job ${shortId(job.jobId)}`;
}

const STATUS_WORDS: Record<JobStatus, string> = {
  pending: 'pending',
  processing: 'processing',
  completing: 'completing',
  completed: 'completed',
  failed: 'failed',
  not_found: 'not found',
  rejected: 'rejected',
};

function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? 'unknown' : value.toLocaleString('en-US');
}

/** "1h 02m 03s" style; null when either end is unknown or out of order. */
export function formatDuration(fromIso: string | null, toIso: string | null): string | null {
  if (!fromIso || !toIso) return null;
  const ms = Date.parse(toIso) - Date.parse(fromIso);
  if (!Number.isFinite(ms) || ms < 0) return null;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m ${String(seconds).padStart(2, '0')}s`;
  if (minutes > 0) return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
  return `${seconds}s`;
}

function reasonFor(job: TrackedJob, status: JobStatus): string | null {
  if (status === JobStatus.Failed)
    return job.snapshot?.error_message ?? 'CompanyEnrich gave no error message';
  if (status === JobStatus.NotFound) {
    return `CompanyEnrich answered 404 Not Found ${job.consecutiveNotFound} times in a row`;
  }
  if (status === JobStatus.Rejected) return job.lastError?.message ?? 'CompanyEnrich rejected the job id';
  return null;
}

function subjectFor(job: TrackedJob, status: JobStatus): string {
  const prefix = `Job ${STATUS_WORDS[status]}: `;
  const snap = job.snapshot;
  const tail =
    status === JobStatus.Completed && snap
      ? ` - ${formatCount(snap.success_count)} of ${formatCount(snap.total_domains)} domains enriched`
      : '';
  const name = truncate(jobName(job), Math.max(SUBJECT_MAX_LENGTH - prefix.length - tail.length, 12));
  return truncate(`${prefix}${name}${tail}`, SUBJECT_MAX_LENGTH);
}

function smsFor(job: TrackedJob, status: JobStatus, reason: string | null): string {
  const name = truncate(jobName(job), 40);
  const snap = job.snapshot;
  let detail: string;
  if (status === JobStatus.Completed && snap) {
    detail = `${formatCount(snap.success_count)}/${formatCount(snap.total_domains)} ok, ${formatCount(snap.failed_count)} failed, ${formatCount(snap.credits_charged)} credits`;
  } else {
    detail = toAsciiLine(reason ?? '');
  }
  const head = `enrich-job-watch: ${name} ${STATUS_WORDS[status]}`;
  return truncate(detail ? `${head}. ${detail}` : head, SMS_MAX_LENGTH);
}

/** Said in the email when fields were cut to fit SNS. */
const TRUNCATED_NOTE =
  'Some fields were too long for a notification and were cut where marked "[truncated: ...]".';

function textFor(job: TrackedJob, owed: OwedNotification, reason: string | null, truncated: boolean): string {
  const snap = job.snapshot;
  const lines = [
    `CompanyEnrich bulk job ${STATUS_WORDS[owed.status]}.`,
    '',
    `Label:           ${job.label ?? '(none)'}`,
    `Job id:          ${job.jobId}`,
    `Status:          ${owed.status} (was ${owed.previousStatus})`,
    `Domains:         ${formatCount(snap?.total_domains)} total, ${formatCount(snap?.success_count)} succeeded, ${formatCount(snap?.failed_count)} failed`,
    `Credits charged: ${formatCount(snap?.credits_charged)}`,
    `Started:         ${snap?.started_at ?? 'unknown'}`,
    `Completed:       ${snap?.completed_at ?? 'unknown'}`,
    `Duration:        ${formatDuration(snap?.started_at ?? snap?.created_at ?? null, snap?.completed_at ?? null) ?? 'unknown'}`,
  ];
  if (owed.status === JobStatus.Completed) {
    lines.push(`Results:         ${snap?.results_url ?? 'no results link was given'}`);
  } else if (reason) {
    lines.push(`Reason:          ${reason}`);
  }
  const metadata = Object.entries(job.metadata);
  if (metadata.length > 0) {
    lines.push('', 'Metadata:', ...metadata.map(([key, value]) => `  ${key} = ${value}`));
  }
  if (truncated) lines.push('', TRUNCATED_NOTE);
  lines.push(
    '',
    `Detected at ${owed.detectedAt}. Event id ${owed.eventId}.`,
    'Sent by enrich-job-watch. Automation can subscribe to the events topic for the JSON event.',
  );
  return lines.join('\n');
}

/**
 * Renders the notification owed for a terminal job, for every kind of subscriber, within what
 * SNS accepts: fields too long for it are cut, marked, and the notification says so.
 *
 * @param job - the job as stored after the terminal transition (its snapshot is the final one).
 */
export function renderJobNotification(job: TrackedJob, owed: OwedNotification): RenderedNotification {
  const eventType = JOB_EVENT_TYPE[owed.status];
  if (!eventType) throw new TypeError(`No notification exists for status ${owed.status}`);
  return renderWithinSnsLimits(job, (fitted, truncated) => renderJob(fitted, owed, eventType, truncated));
}

function renderJob(
  job: TrackedJob,
  owed: OwedNotification,
  eventType: EventType,
  truncated: boolean,
): RenderedNotification {
  const reason = reasonFor(job, owed.status);
  const document: JobEventDocument = {
    schema_version: EVENT_SCHEMA_VERSION,
    event_id: owed.eventId,
    event_type: eventType,
    job_id: job.jobId,
    status: owed.status,
    previous_status: owed.previousStatus,
    label: job.label,
    metadata: job.metadata,
    detected_at: owed.detectedAt,
    tracked_at: job.trackedAt,
    job: job.snapshot,
    reason: owed.status === JobStatus.Completed ? null : reason,
    ...(truncated ? { truncated: true as const } : {}),
  };
  return {
    eventId: owed.eventId,
    eventType,
    subject: subjectFor(job, owed.status),
    text: textFor(job, owed, reason, truncated),
    sms: smsFor(job, owed.status, reason),
    document,
    attributes: { event_type: eventType, status: owed.status, job_id: job.jobId },
  };
}

/** An account-level incident as recorded in the watcher's state. */
export interface AccessIncident {
  kind: IncidentKind;
  openedAt: string;
}

const INCIDENT_TEXT: Record<IncidentKind, { title: string; action: string; eventType: EventType }> = {
  unauthorized: {
    title: 'CompanyEnrich rejected the API key (401)',
    action:
      'Check the key stored in the API-key secret (or COMPANYENRICH_API_KEY). Polling resumes by itself once a request succeeds.',
    eventType: EventType.WatcherUnauthorized,
  },
  payment_required: {
    title: 'CompanyEnrich account needs credits (402)',
    action: 'Top up the CompanyEnrich account. Polling resumes by itself once a request succeeds.',
    eventType: EventType.WatcherPaymentRequired,
  },
  api_key_unavailable: {
    title: 'The CompanyEnrich API key could not be read',
    action:
      'Store the key in the API-key secret (the stack output SetApiKeyCommand shows how). Polling resumes by itself once the key is readable.',
    eventType: EventType.WatcherApiKeyUnavailable,
  },
  forbidden: {
    title: 'CompanyEnrich refused the watcher (403)',
    action:
      'Check the key stored in the API-key secret, and any firewall or IP allow-list in front of the API. Polling resumes by itself once a request succeeds.',
    eventType: EventType.WatcherForbidden,
  },
  systematic_not_found: {
    title: 'CompanyEnrich answered 404 for most watched jobs',
    action:
      'Check COMPANYENRICH_API_URL (a wrong base path answers 404 for every job). No job is ended as not_found while this lasts; polling resumes by itself once answers look normal.',
    eventType: EventType.WatcherSystematicNotFound,
  },
  systematic_rejected: {
    title: 'CompanyEnrich answered 400/422 for most watched jobs',
    action:
      'Check COMPANYENRICH_API_URL and whether the API changed. No job is ended as rejected while this lasts; polling resumes by itself once answers look normal.',
    eventType: EventType.WatcherSystematicRejected,
  },
};

/** Stable id of the alert for one incident, so a re-published alert can be recognised. */
export function incidentEventId(incident: AccessIncident, phase: 'opened' | 'recovered'): string {
  return `watcher:${incident.kind}:${incident.openedAt}${phase === 'recovered' ? ':recovered' : ''}`;
}

/**
 * Renders the operator alert for an account-level incident: one when it opens, one when it
 * clears. Jobs are not lost meanwhile: they stay due and are checked once the API answers.
 */
export function renderWatcherAlert(
  incident: AccessIncident,
  phase: 'opened' | 'recovered',
  detectedAt: string,
): RenderedNotification {
  const { title, action, eventType: openedType } = INCIDENT_TEXT[incident.kind];
  const eventType = phase === 'recovered' ? EventType.WatcherRecovered : openedType;
  const message =
    phase === 'recovered'
      ? `Resolved: ${title}. Polling has resumed.`
      : `${title}. Polling is paused. ${action}`;
  const eventId = incidentEventId(incident, phase);
  const subject = phase === 'recovered' ? `Recovered: ${title}` : `Action needed: ${title}`;
  return {
    eventId,
    eventType,
    subject: truncate(toAsciiLine(`enrich-job-watch ${subject}`), SUBJECT_MAX_LENGTH),
    text: [
      message,
      '',
      `Incident opened at ${incident.openedAt}.`,
      `Detected at ${detectedAt}. Event id ${eventId}.`,
    ].join('\n'),
    sms: truncate(toAsciiLine(`enrich-job-watch: ${message}`), SMS_MAX_LENGTH),
    document: {
      schema_version: EVENT_SCHEMA_VERSION,
      event_id: eventId,
      event_type: eventType,
      detected_at: detectedAt,
      incident: { kind: incident.kind, opened_at: incident.openedAt },
      message,
    },
    attributes: { event_type: eventType, status: incident.kind },
  };
}
