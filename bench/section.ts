/**
 * One part of the `npm run bench` report: the runner prints every section's table and writes
 * them, in order, to docs/BENCHMARKS.md.
 */
export interface BenchSection {
  /** The section's heading, e.g. "Tick throughput". */
  readonly title: string;
  /** The section's body in Markdown: a table, the figures next to their goals, how it was measured. */
  readonly markdown: string;
  /** Each goal the issue names, with what was measured: printed together so no figure goes unreported. */
  readonly goals: readonly { goal: string; measured: string; met: boolean }[];
}
