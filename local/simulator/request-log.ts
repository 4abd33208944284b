/** The simulator's log of the requests it served, for tests to assert on and the local run to print. */

/** One logged request. `status` is 0 when no answer reached the client (a `reset` fault, or stop()). */
export interface SimulatorRequest {
  method: string;
  /** Without the query string. */
  path: string;
  jobId?: string;
  status: number;
  /** Simulator clock when the request arrived. */
  at: Date;
}

/** Bounds memory in long local runs; far above what any test issues. */
const REQUEST_LOG_LIMIT = 10_000;

export class RequestLog {
  private readonly entries: SimulatorRequest[] = [];

  /** `observer` is called after each entry is logged; its exceptions are ignored. */
  constructor(private readonly observer?: (request: SimulatorRequest) => void) {}

  /** Oldest first, at most the latest 10,000. */
  get all(): readonly SimulatorRequest[] {
    return this.entries;
  }

  record(entry: SimulatorRequest): void {
    this.entries.push(entry);
    if (this.entries.length > REQUEST_LOG_LIMIT) this.entries.shift();
    try {
      this.observer?.(entry);
    } catch {
      // An observer's bug must not turn into a failed request.
    }
  }

  /** The requests for one job; `jobId` is lower-case, as logged. */
  forJob(jobId: string): SimulatorRequest[] {
    return this.entries.filter((request) => request.jobId === jobId);
  }

  /**
   * How many requests arrived at or after `sinceMs`, counting no further than `limit`: the rate-limit
   * header only needs to know whether the window is full, and a full log scanned on every answer
   * made a busy tick's requests O(log size).
   */
  countSince(sinceMs: number, limit = Infinity): number {
    let count = 0;
    for (let index = this.entries.length - 1; index >= 0 && count < limit; index--) {
      if ((this.entries[index]?.at.getTime() ?? 0) < sinceMs) break;
      count += 1;
    }
    return count;
  }
}
