/**
 * What bench/tick-throughput.ts and its emulators process (bench/emulators-process.ts) tell each
 * other: kept apart so the bench can import it without starting the emulators.
 */

/** What the bench process needs to reach the emulators and the jobs they hold. */
export interface EmulatorsReady {
  readonly kind: 'ready';
  readonly dynamoEndpoint: string;
  readonly tableName: string;
  readonly simulatorUrl: string;
  /** Every due job, tracked in the table and answering on the simulator. */
  readonly jobIds: readonly string[];
}

/** The emulators could not be set up; `message` says why. */
export interface EmulatorsFailed {
  readonly kind: 'failed';
  readonly message: string;
}

/** The environment variables carrying the emulators' settings, from the bench to the child. */
export const EMULATOR_SETTINGS = {
  /** How many due jobs to set up. */
  jobs: 'BENCH_TICK_JOBS',
  /** How long the simulator holds each status answer (a `delay` fault on every job). */
  latencyMs: 'BENCH_API_LATENCY_MS',
  /** ISO-8601: when the jobs were tracked, and the simulator's fixed clock. */
  trackedAt: 'BENCH_TRACKED_AT',
} as const;
