import { afterEach, describe, expect, it } from 'vitest';
import type { Sleep } from '../../functions/core/use-cases/poll-tick/request-rate.js';
import { MINUTE, startWatcher, type Watcher } from '../support/watcher-harness.js';

const PROCESSING = {
  totalDomains: 10,
  pendingMs: 0,
  processingMs: 60 * MINUTE,
  completingMs: MINUTE,
  outcome: 'completed',
} as const;

describe('a tick under the status request cap', () => {
  let watcher: Watcher | null = null;

  afterEach(async () => {
    await watcher?.stop();
    watcher = null;
  });

  /** Records the waits the cap asked for; ends them at once so no test sleeps. */
  function countingSleep(): { sleep: Sleep; waits: number[] } {
    const waits: number[] = [];
    return {
      waits,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    };
  }

  it('checks every due job, holding back the requests beyond the rate', async () => {
    watcher = await startWatcher({ policy: { requestsPerSecond: 2 } });
    for (let index = 0; index < 6; index += 1) await watcher.createAndTrack(PROCESSING);
    const { sleep, waits } = countingSleep();

    expect(await watcher.tick({ sleep })).toMatchObject({ checked: 6, halted: null });
    expect(watcher.simulator.requests).toHaveLength(6);
    // Two go at once (a burst of one second's worth); the other four wait 0.5 s apart.
    expect([...waits].sort((a, b) => a - b)).toEqual([500, 1_000, 1_500, 2_000]);
  });

  it('still halts on a 429: the probe is the only request sent', async () => {
    watcher = await startWatcher({ policy: { requestsPerSecond: 100 } });
    for (let index = 0; index < 4; index += 1) {
      // Every job answers 429, whichever the tick reads first: the account is throttled.
      const jobId = await watcher.createAndTrack(PROCESSING);
      watcher.simulator.injectFault(jobId, { kind: 'http', status: 429, headers: { 'retry-after': '150' } });
    }

    expect(await watcher.tick({ sleep: countingSleep().sleep })).toMatchObject({
      checked: 1,
      halted: 'throttled',
    });
    expect(watcher.simulator.requests).toHaveLength(1);
  });
});
