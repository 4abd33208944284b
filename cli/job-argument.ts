/** The `<jobId>` argument of track, show and untrack. */
import { validateTrackRequest } from '../functions/core/use-cases/track-job.js';

/**
 * The job id, checked and lower-cased before any store is opened, so a refused command leaves
 * nothing behind (not even a fresh data folder).
 *
 * @throws ValidationError naming the malformed id.
 */
export function jobIdArgument(raw: string): string {
  return validateTrackRequest({ jobId: raw }).jobId;
}
