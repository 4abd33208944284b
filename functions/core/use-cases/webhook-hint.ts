/**
 * CompanyEnrich's completion callback, taken only as a hint: its payload is undocumented and
 * unsigned, so it is never read. A valid call leads to one authoritative status check of the
 * job, through the same steps a poll tick takes for a due job (`checkJob`: the API gate, the
 * pure decision, the conditional write, the notification), so a concurrent tick and a hint
 * cannot both record a transition or both notify.
 */
import type { WebhookApplication, WebhookOutcome } from '../application.js';
import { JobNotTrackedError } from '../domain/errors.js';
import type { TrackedJob } from '../domain/job.js';
import { isTerminal } from '../domain/job-status.js';
import { isApiPaused } from '../domain/watcher-state.js';
import type { JobCatalog, SubmissionLookup, WebhookTokens } from '../ports.js';
import { recordAccountOutcome } from './poll-tick/account-state.js';
import { ApiGate } from './poll-tick/api-gate.js';
import { checkJob } from './poll-tick/check-job.js';
import { applyHeldVerdicts } from './poll-tick/held-verdicts.js';
import type { PollTickDeps, TickContext } from './poll-tick/tick-context.js';
import { TickDeadline } from './poll-tick/tick-deadline.js';
import { TickTally } from './poll-tick/tick-summary.js';

/** The ports a hint needs: a poll tick's, plus the token check, the submission and the hint claim. */
export interface WebhookDeps extends PollTickDeps {
  tokens: WebhookTokens;
  submissions: SubmissionLookup;
  catalog: Pick<JobCatalog, 'claimHintCheck'>;
  /** At most one status check per job per window, however many callbacks arrive. */
  hintWindowMs: number;
}

/** The default hint window: a flood of callbacks costs at most one status request a minute per job. */
export const DEFAULT_HINT_WINDOW_MS = 60_000;

/**
 * The webhook application. `hint(submissionId, token)`:
 * - a bad token → `not_found`, before anything is read (the secret is cached, so the answer
 *   comes as fast as for an unknown id);
 * - an unknown submission or job → `not_found`;
 * - a finished or untracked job → `already_final`;
 * - a job another hint claimed within the window → `recently_checked`, as is a job the API
 *   pause (after a 429) keeps the watcher from asking about: polling covers both;
 * - otherwise one status check → `checked`.
 */
export function makeWebhookApplication(deps: WebhookDeps): WebhookApplication {
  return {
    hint: (submissionId, token, options) => hint(deps, submissionId, token, options.signal),
  };
}

async function hint(
  deps: WebhookDeps,
  submissionId: string,
  token: string,
  signal: AbortSignal,
): Promise<WebhookOutcome> {
  if (!(await deps.tokens.verify(submissionId, token))) return 'not_found';
  const submission = await deps.submissions.find(submissionId.toLowerCase());
  const jobId = submission?.state === 'created' ? submission.jobId : null;
  const job = jobId === null ? null : await deps.jobs.get(jobId);
  if (!job) return 'not_found';
  if (job.untrackedAt !== null || isTerminal(job.status)) return 'already_final';
  const now = deps.clock.now().toISOString();
  try {
    if (!(await deps.catalog.claimHintCheck(job.jobId, now, deps.hintWindowMs))) return 'recently_checked';
  } catch (error) {
    // Removed between the read and the claim (its TTL ran out).
    if (error instanceof JobNotTrackedError) return 'not_found';
    throw error;
  }
  const checked = await checkOnce(deps, job, now, signal);
  deps.log.info('Webhook hint handled', { job_id: job.jobId, submission_id: submissionId, checked });
  return checked ? 'checked' : 'recently_checked';
}

/**
 * One job's check as a one-job tick: the same gate (an open API pause stops it), deadline
 * (the caller's signal) and account bookkeeping (a 401 opens the incident, an answer closes it).
 *
 * @returns whether a status request was sent.
 */
async function checkOnce(
  deps: WebhookDeps,
  job: TrackedJob,
  now: string,
  signal: AbortSignal,
): Promise<boolean> {
  const tally = new TickTally(now, deps.log);
  const gate = new ApiGate();
  const deadline = new TickDeadline({
    deadline: null,
    signal,
    clock: deps.clock,
    requestTimeoutMs: deps.policy.requestTimeoutMs,
  });
  const context: TickContext = {
    deps,
    now,
    tally,
    gate,
    deadline,
    apiSignal: AbortSignal.any([deadline.signal, gate.signal]),
    heldVerdicts: [],
  };
  const state = await deps.watcherState.getWatcherState();
  if (isApiPaused(state, now)) gate.halt('throttled');
  try {
    await checkJob(context, job);
    // One answer is never systematic: a held-back verdict is written at once.
    await applyHeldVerdicts(context);
  } finally {
    deadline.dispose();
  }
  try {
    await recordAccountOutcome(deps, state, gate, now, tally);
  } catch (error) {
    deps.log.error('Watcher state could not be updated after a webhook hint', { job_id: job.jobId, error });
  }
  return tally.summary.checked > 0;
}
