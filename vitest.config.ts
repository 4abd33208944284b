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
    sequence: { shuffle: false },
    restoreMocks: true,
  },
});
