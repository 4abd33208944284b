/**
 * What each route accepts, as zod schemas, and the problems a rejected part becomes. Bodies that
 * parse as JSON but break these rules are 422 (readable, invalid); path parameters, query
 * parameters and headers that break them are 400 (the request itself is malformed).
 * The application validates again: these checks keep bad input from ever reaching it.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { z } from 'zod';
import { MAX_BULK_DOMAINS, MAX_BULK_ENTRIES, normaliseDomain } from '../core/domain/bulk-domains.js';
import { JOB_ID_PATTERN } from '../core/domain/job-id.js';
import { JobStatus } from '../core/domain/job-status.js';
import {
  MAX_LABEL_LENGTH,
  MAX_METADATA_ENTRIES,
  MAX_METADATA_VALUE_LENGTH,
} from '../core/use-cases/track-job.js';
import { HttpProblem, ProblemType, type InvalidParam } from './problem.js';
import { badRequest, header } from './request.js';

/** The longest hostname is 253 characters; a little slack lets the domain check name the problem. */
const MAX_DOMAIN_ENTRY_LENGTH = 300;
/** Problems listed in one answer; the detail counts the rest. */
const MAX_LISTED_PROBLEMS = 50;
/** Mirrors the track use case's rule, so a bad key is reported with its pointer. */
const METADATA_KEY = /^[A-Za-z0-9_.:-]{1,64}$/;
const CONTROL_CHARACTER = /\p{Cc}/u;
/** `Idempotency-Key`: 1 to 128 visible ASCII characters (no spaces). */
export const IDEMPOTENCY_KEY = /^[\x21-\x7E]{1,128}$/;
/** Opaque page cursors, as the store issues them: visible ASCII, bounded. */
const CURSOR = /^[\x21-\x7E]{1,2048}$/;
export const DEFAULT_PAGE_SIZE = 25;

const label = z
  .string({ error: 'must be a string or null' })
  .max(MAX_LABEL_LENGTH, `must be at most ${MAX_LABEL_LENGTH} characters`)
  .refine((value) => !CONTROL_CHARACTER.test(value), 'must not contain control characters')
  .nullable()
  .optional();

const metadata = z
  .record(
    z.string().regex(METADATA_KEY, 'keys must be 1-64 of A-Z a-z 0-9 _ . : -'),
    z
      .string({ error: 'values must be strings' })
      .max(MAX_METADATA_VALUE_LENGTH, `values must be at most ${MAX_METADATA_VALUE_LENGTH} characters`),
    { error: 'must be an object of string values' },
  )
  .refine(
    (value) => Object.keys(value).length <= MAX_METADATA_ENTRIES,
    `must have at most ${MAX_METADATA_ENTRIES} entries`,
  )
  .optional();

/** `POST /jobs`. */
export const trackBodySchema = z.strictObject(
  {
    job_id: z
      .string({ error: 'is required, as a string' })
      .regex(
        JOB_ID_PATTERN,
        'must be a CompanyEnrich job id (a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6)',
      ),
    label,
    metadata,
  },
  { error: 'must be a JSON object' },
);

/**
 * Each entry through the domain's own rule (`normaliseDomain`), so a bad entry is reported with
 * its index, and the unique count against CompanyEnrich's limit.
 */
function checkDomains(entries: string[], context: z.RefinementCtx): void {
  const unique = new Set<string>();
  let reported = 0;
  entries.forEach((entry, index) => {
    const result = normaliseDomain(entry);
    if (result.ok) unique.add(result.domain);
    else if (reported++ < MAX_LISTED_PROBLEMS) {
      context.addIssue({ code: 'custom', path: [index], message: `is not a valid domain: ${result.reason}` });
    }
  });
  if (reported > MAX_LISTED_PROBLEMS) {
    context.addIssue({
      code: 'custom',
      message: `${reported} entries are not valid domains; the first ${MAX_LISTED_PROBLEMS} are listed`,
    });
  } else if (reported === 0 && unique.size > MAX_BULK_DOMAINS) {
    context.addIssue({
      code: 'custom',
      message: `has ${unique.size} unique domains; at most ${MAX_BULK_DOMAINS} are allowed in one job`,
    });
  }
}

/** `POST /jobs/bulk`. */
export const submitBodySchema = z.strictObject(
  {
    domains: z
      .array(
        z
          .string({ error: 'must be a string' })
          .min(1, 'must not be empty')
          .max(MAX_DOMAIN_ENTRY_LENGTH, 'is too long for a domain'),
        { error: 'is required, as an array of domain strings' },
      )
      .min(1, 'must list at least one domain')
      .max(MAX_BULK_ENTRIES, `must list at most ${MAX_BULK_ENTRIES} entries (${MAX_BULK_DOMAINS} unique)`)
      .superRefine(checkDomains),
    label,
    metadata,
  },
  { error: 'must be a JSON object' },
);

const STATUSES = Object.values(JobStatus);

/** `GET /jobs` query parameters. */
const listQuerySchema = z.strictObject({
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,2}$/, 'must be a whole number from 1 to 100')
    .transform(Number)
    .refine((value) => value <= 100, 'must be a whole number from 1 to 100')
    .optional(),
  status: z.enum(STATUSES, { error: `must be one of ${STATUSES.join(', ')}` }).optional(),
  cursor: z.string().regex(CURSOR, 'must be the next_cursor of a previous page').optional(),
});

function pointerOf(path: readonly PropertyKey[]): string {
  return path.map((part) => `/${String(part).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** One entry per problem, unknown fields one by one, so a caller can fix them all at once. */
export function invalidParams(error: z.ZodError, prefix = ''): InvalidParam[] {
  return error.issues.flatMap((issue): InvalidParam[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        pointer: `${prefix}${pointerOf([...issue.path, key])}`,
        detail: 'is not a known field',
      }));
    }
    const detail = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    return [{ pointer: `${prefix}${pointerOf(issue.path)}`, detail }];
  });
}

function describe(errors: InvalidParam[]): string {
  const shown = errors.slice(0, 3).map(({ pointer, detail }) => `${pointer || 'the body'} ${detail}`);
  const more = errors.length > shown.length ? ` (and ${errors.length - shown.length} more)` : '';
  return `${shown.join('; ')}${more}`;
}

/** A parsed JSON body against its schema: the data, or a 422 listing every problem. */
export function validBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const errors = invalidParams(result.error);
  throw new HttpProblem({
    status: 422,
    type: ProblemType.ValidationFailed,
    title: 'Invalid request body',
    detail: describe(errors),
    errors: errors.slice(0, MAX_LISTED_PROBLEMS),
  });
}

/** The `{jobId}` path parameter, lower-cased; a value that is not a UUID is a 400. */
export function pathJobId(event: APIGatewayProxyEventV2): string {
  const jobId = event.pathParameters?.jobId ?? '';
  if (!JOB_ID_PATTERN.test(jobId)) {
    throw badRequest(
      `"${jobId.slice(0, 80)}" in the path is not a CompanyEnrich job id (expected a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6)`,
    );
  }
  return jobId.toLowerCase();
}

/** The `Idempotency-Key` header, or null when absent; a malformed one is a 400. */
export function idempotencyKey(event: APIGatewayProxyEventV2): string | null {
  const value = header(event, 'idempotency-key');
  if (value === undefined) return null;
  if (!IDEMPOTENCY_KEY.test(value)) {
    throw badRequest('The Idempotency-Key header must be 1 to 128 visible ASCII characters (no spaces)');
  }
  return value;
}

/** The `GET /jobs` query; unknown or malformed parameters are a 400 naming each one. */
export function listQuery(event: APIGatewayProxyEventV2): {
  status?: JobStatus;
  limit: number;
  cursor: string | null;
} {
  const result = listQuerySchema.safeParse(event.queryStringParameters ?? {});
  if (!result.success) {
    const errors = invalidParams(result.error).map(({ pointer, detail }) => ({
      pointer: `query:${pointer.slice(1)}`,
      detail: detail === 'is not a known field' ? 'is not a known query parameter' : detail,
    }));
    throw new HttpProblem({
      status: 400,
      type: ProblemType.MalformedRequest,
      title: 'Malformed query',
      detail: describe(errors),
      errors,
    });
  }
  const { status, limit, cursor } = result.data;
  return { ...(status ? { status } : {}), limit: limit ?? DEFAULT_PAGE_SIZE, cursor: cursor ?? null };
}
