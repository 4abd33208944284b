import pMap from 'p-map';
import { isSystematicProblem } from '../../domain/errors.js';
import { systematicKindOf } from '../../domain/systematic-answers.js';
import { recordCheck } from './check-job.js';
import type { TickContext } from './tick-context.js';

/**
 * Writes the verdicts held back during the tick (a job ending as `not_found` or `rejected`),
 * unless the tick found that answer systematic: then none of them is written, the jobs stay due
 * as they were, and the tick's halt opens the incident instead. Also skipped when the tick was cut
 * short (the jobs stay due and are asked again next tick). A failed write leaves its job due.
 */
export async function applyHeldVerdicts(context: TickContext): Promise<void> {
  const { deps, gate, tally, deadline, heldVerdicts } = context;
  const systematic = gate.halted !== null && isSystematicProblem(gate.halted) ? gate.halted : null;
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
