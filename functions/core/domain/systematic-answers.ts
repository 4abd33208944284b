/**
 * The guard against mass verdicts. A 404 or a 400/422 ends a job (after `notFoundLimit` 404s in
 * a row, or the same rejection on two ticks), but when most of a tick's answers say the same
 * thing, the API changed or `COMPANYENRICH_API_URL` is wrong: ending every job would be wrong.
 */
import type { CheckResult } from './check-decision.js';
import { StatusApiErrorKind, type SystematicProblem } from './errors.js';

/**
 * Fewer same-kind answers than this in one tick are never systematic: the per-job rules decide
 * (so with one or two watched jobs a wrong URL still ends them, after the per-job rules).
 */
export const SYSTEMATIC_MIN_ANSWERS = 3;

/** The HTTP answers one tick got so far, by what they would do to a job. */
export interface TickAnswers {
  /** Every answer that carried an HTTP status (a 2xx document, a 4xx, a 5xx). */
  total: number;
  notFound: number;
  rejected: number;
}

export const NO_ANSWERS: TickAnswers = { total: 0, notFound: 0, rejected: 0 };

/**
 * Adds one check's outcome. Only answers with an HTTP status count: a timeout or a reset says
 * nothing about the URL, and counting them would let a flaky network hide a wrong one.
 */
export function countAnswer(answers: TickAnswers, result: CheckResult): TickAnswers {
  if (!result.ok && result.error.details.httpStatus === undefined) return answers;
  const kind = systematicKindOf(result);
  return {
    total: answers.total + 1,
    notFound: answers.notFound + (kind === 'systematic_not_found' ? 1 : 0),
    rejected: answers.rejected + (kind === 'systematic_rejected' ? 1 : 0),
  };
}

/**
 * The systematic problem the tick's answers show: at least {@link SYSTEMATIC_MIN_ANSWERS}
 * answers of one job-ending kind, and more than half of all the answers. Null otherwise.
 */
export function systematicProblem(answers: TickAnswers): SystematicProblem | null {
  const isMost = (count: number): boolean => count >= SYSTEMATIC_MIN_ANSWERS && count * 2 > answers.total;
  if (isMost(answers.notFound)) return 'systematic_not_found';
  if (isMost(answers.rejected)) return 'systematic_rejected';
  return null;
}

/** Which systematic problem an answer would be part of: a 404, a 400/422, or neither. */
export function systematicKindOf(result: CheckResult): SystematicProblem | null {
  if (result.ok) return null;
  if (result.error.kind === StatusApiErrorKind.NotFound) return 'systematic_not_found';
  if (result.error.kind === StatusApiErrorKind.Rejected) return 'systematic_rejected';
  return null;
}
