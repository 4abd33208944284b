/**
 * What SNS accepts for one published message, and how a job notification is cut to fit it: a
 * notification SNS refuses would stay owed for ever, so one that is too large is sent with its
 * longest free-text fields cut, and says so. See docs/NOTIFICATIONS.md.
 */
import type { TrackedJob } from './job.js';
import { clipText } from './limits.js';

/** SNS Publish: message body plus message attributes, in UTF-8 bytes (256 KiB). */
export const SNS_MAX_PAYLOAD_BYTES = 262_144;

/** The longest each free-text field may be, tried in turn until the notification fits. */
const FIELD_LENGTH_STEPS = [4_096, 1_024, 256, 64] as const;

const utf8 = new TextEncoder();

/** How SNS counts a String message with String attributes: body, and each name, type and value. */
export function snsPayloadBytes(message: string, attributes: Record<string, string>): number {
  let bytes = utf8.encode(message).length;
  for (const [name, value] of Object.entries(attributes)) {
    bytes += utf8.encode(name).length + 'String'.length + utf8.encode(value).length;
  }
  return bytes;
}

/** The parts of a rendered notification SNS sends: one message per channel, the same attributes. */
interface SnsShaped {
  document: unknown;
  text: string;
  sms: string;
  attributes: Record<string, string>;
}

/** True when every channel's message, with the attributes, is within what SNS accepts. */
export function fitsSns(notification: SnsShaped): boolean {
  return [JSON.stringify(notification.document), notification.text, notification.sms].every(
    (message) => snsPayloadBytes(message, notification.attributes) <= SNS_MAX_PAYLOAD_BYTES,
  );
}

/**
 * Renders `job`'s notification within SNS's limits. It is rendered whole when it fits;
 * otherwise the user-supplied and API-supplied free text (label, metadata values, error message,
 * results link, last error) is cut shorter and shorter, each cut marked, and `render` is told
 * (`truncated`) so the notification can say so. At the last step every such field is at most
 * 64 characters, which fits whatever `track` accepted.
 */
export function renderWithinSnsLimits<T extends SnsShaped>(
  job: TrackedJob,
  render: (job: TrackedJob, truncated: boolean) => T,
): T {
  let rendered = render(job, false);
  for (const max of FIELD_LENGTH_STEPS) {
    if (fitsSns(rendered)) return rendered;
    rendered = render(withTextCut(job, max), true);
  }
  return rendered;
}

/** `job` with every free-text field cut to `max` characters. */
function withTextCut(job: TrackedJob, max: number): TrackedJob {
  const cut = (value: string | null): string | null => (value === null ? null : clipText(value, max));
  return {
    ...job,
    label: cut(job.label),
    metadata: Object.fromEntries(
      Object.entries(job.metadata).map(([key, value]) => [key, clipText(value, max)]),
    ),
    snapshot: job.snapshot && {
      ...job.snapshot,
      error_message: cut(job.snapshot.error_message),
      results_url: cut(job.snapshot.results_url),
    },
    lastError: job.lastError && { ...job.lastError, message: clipText(job.lastError.message, max) },
  };
}
