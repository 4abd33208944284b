/**
 * `submit --wait`'s progress: a live bar (cli-progress) on a terminal, plain lines when stdout is
 * a pipe or a file (logs, CI, tests), each printed only when something changed.
 */
import { SingleBar } from 'cli-progress';
import type { TrackedJob } from '../functions/core/domain/job.js';

/** Where a job stands, as last recorded by the watcher. */
export interface ProgressPoint {
  status: string;
  /** Domains processed so far (succeeded + failed). */
  done: number;
  /** Null until the first status answer is recorded. */
  total: number | null;
}

/** The point a tracked job is at. */
export function progressOf(job: TrackedJob): ProgressPoint {
  const snapshot = job.snapshot;
  return {
    status: job.status,
    done: (snapshot?.success_count ?? 0) + (snapshot?.failed_count ?? 0),
    total: snapshot?.total_domains ?? null,
  };
}

/**
 * The time left at the rate seen so far: from the first sample with any progress to the latest.
 * Null while there is no rate yet (nothing processed, or a single sample).
 */
export function estimateRemainingMs(
  first: { atMs: number; done: number },
  latest: { atMs: number; done: number },
  total: number,
): number | null {
  const elapsedMs = latest.atMs - first.atMs;
  const processed = latest.done - first.done;
  if (elapsedMs <= 0 || processed <= 0) return null;
  return Math.max(0, Math.round(((total - latest.done) * elapsedMs) / processed));
}

/** "45s", "3m 20s", "1h 5m". */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

/** Shows progress as it is observed. */
export interface ProgressDisplay {
  update(point: ProgressPoint, atMs: number): void;
  /** Leaves the display in a state where normal lines can follow. */
  stop(): void;
}

/** One line per change: "progress: processing, 120/420 domains (29%), ETA 12s". */
export class PlainProgress implements ProgressDisplay {
  private last = '';
  private firstMoving: { atMs: number; done: number } | null = null;

  constructor(private readonly print: (text: string) => void) {}

  update(point: ProgressPoint, atMs: number): void {
    if (point.done > 0 && this.firstMoving === null) this.firstMoving = { atMs, done: point.done };
    const key = `${point.status} ${point.done}/${String(point.total)}`;
    if (key === this.last) return;
    this.last = key;
    if (point.total === null) {
      this.print(`progress: ${point.status}, waiting for the first status check`);
      return;
    }
    const percent = point.total > 0 ? Math.floor((point.done / point.total) * 100) : 0;
    const remaining =
      this.firstMoving && point.done < point.total
        ? estimateRemainingMs(this.firstMoving, { atMs, done: point.done }, point.total)
        : null;
    const eta = remaining === null ? '' : `, ETA ${formatDuration(remaining)}`;
    this.print(`progress: ${point.status}, ${point.done}/${point.total} domains (${percent}%)${eta}`);
  }

  stop(): void {
    // Every line is already complete.
  }
}

/** A live bar redrawn in place; its ETA is cli-progress's, over the recent updates. */
export class BarProgress implements ProgressDisplay {
  private readonly bar = new SingleBar({
    format: '{bar} {value}/{total} domains | {status} | ETA {eta_formatted}',
    barsize: 30,
    hideCursor: true,
    etaBuffer: 20,
    // Redrawn on every update, not only on a timer: the job moves in steps.
    forceRedraw: true,
    stream: process.stdout,
  });
  private started = false;

  update(point: ProgressPoint): void {
    const total = point.total ?? 0;
    if (!this.started) {
      this.bar.start(total, point.done, { status: point.status });
      this.started = true;
      return;
    }
    this.bar.setTotal(total);
    this.bar.update(point.done, { status: point.status });
  }

  stop(): void {
    if (this.started) this.bar.stop();
  }
}
