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

/** Which store a tick process runs against. */
export type TickStore = 'dynalite' | 'in-memory';

/** The bench's order to a tick process (bench/tick-process.ts), sent once over IPC. */
export interface TickOrder {
  readonly kind: 'tick';
  readonly store: TickStore;
  readonly emulators: EmulatorsReady;
  /** ISO-8601: the tick's time, a day after the jobs were tracked, so every job is due. */
  readonly now: string;
  readonly concurrency: number;
  readonly pageSize: number;
}

/** What one measured tick did, and its process's memory while it ran. */
export interface TickRun {
  readonly kind: 'ran';
  readonly checked: number;
  readonly seconds: number;
  /** Resident set size: the analogue of Lambda's "Max Memory Used". */
  readonly peakRssMb: number;
  readonly peakHeapMb: number;
  /** Before the tick started (modules loaded, clients built; for the in-memory store, its jobs too). */
  readonly startRssMb: number;
  /** CPU time (user + system) the tick process spent during the tick. */
  readonly cpuSeconds: number;
}
