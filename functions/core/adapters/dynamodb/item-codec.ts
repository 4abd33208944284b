/**
 * Reading stored items: the shared field schemas and the one way an item is decoded. The job and
 * watcher-state codecs (job-item.ts, watcher-state-item.ts) are built from these.
 *
 * Reading goes through zod schemas, so an item this code cannot use is a `MalformedItemError`
 * naming the item and the attribute, not an object that breaks later, far from the table.
 *
 * What is tolerated: an attribute that is missing gets the default the reader always assumed,
 * because items written by older versions lack attributes added since (`delivered_channels`,
 * `message_ids` in place of `message_id`...). What is not: an attribute of the wrong type or with
 * a value this code does not know (an unknown status or channel); nothing would be a safe guess.
 */
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { MalformedItemError } from '../../domain/errors.js';
import { JobStatus } from '../../domain/job-status.js';
import { NotificationChannel } from '../../domain/notification-channel.js';
import type { Item } from './table.js';

// zod/mini (a tenth of classic zod in the poll bundle) has no default messages; an issue this
// module does not describe itself (`describeIssue`) keeps classic zod's English wording.
z.config(en());

/** A string that may be missing or null; both read as null. */
export const nullableText = nullableMap(z.string());
export const nullableNumber = nullableMap(z.number());
/** A counter; missing reads as 0. */
export const counter = z._default(z.number(), 0);
export const jobStatus = z.enum(JobStatus);
export const channels = z._default(z.array(z.enum(NotificationChannel)), []);

/** Null, or missing, reads as null; anything else must match `schema`. */
export function nullableMap<T extends z.ZodMiniType>(schema: T) {
  return z.pipe(
    z.nullish(schema),
    z.transform((value: z.output<T> | null | undefined) => value ?? null),
  );
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

function valueAt(item: unknown, path: readonly PropertyKey[]): unknown {
  let value = item;
  for (const step of path) {
    value =
      value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[step] : undefined;
  }
  return value;
}

/** `history[2].to`, `snapshot.total_domains`. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((step, index) => (typeof step === 'number' ? `[${step}]` : `${index > 0 ? '.' : ''}${String(step)}`))
    .join('');
}

/** Says what is wrong, by type and never by value: the value could be anything a caller stored. */
function describeIssue(issue: z.core.$ZodIssue, item: unknown): string {
  if (issue.code === 'invalid_type') {
    const found = valueAt(item, issue.path);
    return found === undefined
      ? `missing, expected ${issue.expected}`
      : `expected ${issue.expected}, got ${typeName(found)}`;
  }
  if (issue.code === 'invalid_value') return `expected one of ${issue.values.map(String).join(', ')}`;
  if (issue.code === 'unrecognized_keys') return `unknown key ${issue.keys.join(', ')}`;
  return issue.message;
}

/**
 * Parses `item` with `schema`.
 *
 * @throws MalformedItemError naming `key` and the first attribute that does not fit.
 */
export function decodeItem<T>(schema: z.core.$ZodType<T>, item: Item, key: string): T {
  const parsed = z.safeParse(schema, item);
  if (parsed.success) return parsed.data;
  // The first issue is enough to find the item; the cause keeps them all (paths, no values).
  const [issue] = parsed.error.issues;
  if (!issue) throw new MalformedItemError(key, '', 'unreadable', { cause: parsed.error });
  throw new MalformedItemError(key, fieldPath(issue.path), describeIssue(issue, item), {
    cause: parsed.error,
  });
}
