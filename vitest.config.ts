import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One moto_server for the whole run; every test file uses its own table, topic and queues.
    // The CLI tests run the built CLI: built once per run, from the current sources.
    globalSetup: ['test/support/moto-global-setup.ts', 'test/cli/build-global-setup.ts'],
    setupFiles: ['test/support/aws-environment.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: two workers keep the machine responsive and the emulator uncontended.
    maxWorkers: 2,
    // Files and tests in a new random order every run, so a test that leans on another's leftovers
    // fails instead of passing by accident. The run prints its seed; replay an order with
    // `npx vitest run --sequence.seed=<seed>`.
    sequence: { shuffle: true },
    restoreMocks: true,
  },
});
