import pMap from 'p-map';
import { isSystematicProblem, type IncidentKind, type SystematicProblem } from '../../domain/errors.js';
import { systematicKindOf } from '../../domain/systematic-answers.js';
import { recordCheck } from './check-job.js';
import type { TickContext } from './tick-context.js';

/**
 * Writes the verdicts held back during the tick (a job ending as `not_found` or `rejected`),
 * unless the tick found that answer systematic: then none of them is written, the jobs stay due
 * as they were, and the tick's halt opens the incident instead. The same while a systematic
 * incident of that kind is still open (`openIncident`, read at the start of the tick): a tick or
 * a webhook hint with too few answers to tell on its own must not end jobs by the answer the
 * incident is about. Also skipped when the tick was cut short (the jobs stay due and are asked
 * again next tick). A failed write leaves its job due.
 */
export async function applyHeldVerdicts(
  context: TickContext,
  openIncident: IncidentKind | null,
): Promise<void> {
  const { deps, gate, tally, deadline, heldVerdicts } = context;
  const systematic = systematicInForce(gate.halted, openIncident);
  await pMap(
    heldVerdicts,
    async (check) => {
      const isPartOfSystematic = systematic !== null && systematicKindOf(check.result) === systematic;
      if (isPartOfSystematic || deadline.signal.aborted) {
        tally.defer(systematic ?? deadline.timeToStop());
        deps.log.info('Verdict held back; the job stays due', {
          job_id: check.job.jobId,
          verdict: check.decision.update.status,
          halted: systematic,
        });
        return;
      }
      try {
        await recordCheck(context, check);
      } catch (error) {
        tally.recordInternal('Job could not be processed; it stays due', check.job.jobId, error);
      }
    },
    { concurrency: deps.policy.concurrency },
  );
}

/** The systematic problem this tick found, else the one an open incident is about, else null. */
function systematicInForce(
  halted: TickContext['gate']['halted'],
  openIncident: IncidentKind | null,
): SystematicProblem | null {
  if (halted !== null && isSystematicProblem(halted)) return halted;
  return openIncident !== null && isSystematicProblem(openIncident) ? openIncident : null;
}
