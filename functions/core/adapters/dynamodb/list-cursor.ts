/**
 * The `GET /jobs` cursor: DynamoDB's position after the last row of a page, plus which query it
 * belongs to, as base64url JSON. Opaque to callers; decoded through a zod schema so anything this
 * store did not issue for this query is a `ValidationError`, never a malformed ExclusiveStartKey.
 */
import * as z from 'zod/mini';
import { ValidationError } from '../../domain/errors.js';
import { JOB_KEY_PREFIX } from './table.js';

/** The position in an index: the job's key and its sort key. The index's partition is the query's. */
export interface ListPosition {
  pk: string;
  trackedAt: string;
}

const cursorSchema = z.strictObject({
  /** `all`, or `status:<status>`: a cursor is only good for the query that issued it. */
  q: z.string(),
  pk: z.string().check(z.startsWith(JOB_KEY_PREFIX)),
  at: z.string().check(z.minLength(1)),
});

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The cursor for `position` in the query named `queryId`. */
export function encodeListCursor(queryId: string, position: ListPosition): string {
  return Buffer.from(JSON.stringify({ q: queryId, pk: position.pk, at: position.trackedAt })).toString(
    'base64url',
  );
}

/**
 * Reads a cursor issued by {@link encodeListCursor} for the same query.
 *
 * @throws ValidationError for anything else (tampered, truncated, or from another query).
 */
export function decodeListCursor(queryId: string, cursor: string): ListPosition {
  const invalid = (cause?: unknown) =>
    new ValidationError('cursor is not valid for this query', cause === undefined ? {} : { cause });
  // Node's base64url decoder skips characters it does not know; a cursor must have none.
  if (!BASE64URL.test(cursor)) throw invalid();
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw invalid(error);
  }
  const parsed = cursorSchema.safeParse(json);
  if (!parsed.success) throw invalid(parsed.error);
  if (parsed.data.q !== queryId) throw invalid();
  return { pk: parsed.data.pk, trackedAt: parsed.data.at };
}
