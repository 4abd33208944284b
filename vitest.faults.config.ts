import { defineConfig } from 'vitest/config';

/**
 * `npm run test:faults`: the fault suite alone, at full size (500 jobs, 8 concurrent ticks, 60
 * simulated minutes); `npm test` runs the same suite at CI size. Replay a run with
 * `FAULT_SEED=<seed>` (`random` draws a new one); `FAULT_RUN_SIZE=ci` runs the CI size.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/support/moto-global-setup.ts'],
    setupFiles: ['test/support/aws-environment.ts'],
    env: { FAULT_RUN_SIZE: process.env.FAULT_RUN_SIZE ?? 'full' },
    testTimeout: 1_800_000,
    hookTimeout: 1_800_000,
    maxWorkers: 1,
    restoreMocks: true,
  },
});
