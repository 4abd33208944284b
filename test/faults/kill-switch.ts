/**
 * A Lambda invocation that can be killed at an exact point, as when the runtime is frozen or
 * the container dies: from the kill on, every pending and later call the invocation makes
 * through its ports never settles, so none of its code runs afterwards; the harness stops
 * waiting for it. What a call had already sent (a write, a publish) stays done.
 */

/** Decides, after a port call succeeded, whether the invocation dies right there. */
export type KillPoint = (method: string, args: readonly unknown[], result: unknown) => boolean;

/** Sees every call the invocation starts while it is alive (what may land after it dies). */
export type CallWatcher = (method: string, args: readonly unknown[]) => void;

const NEVER = new Promise<never>(() => undefined);

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] === 'function';
}

/** One invocation's kill switch, and its ports wrapped by it. */
export class KillSwitch {
  private dead = false;
  private announce: () => void = () => undefined;
  /** Resolves when the invocation is killed. */
  readonly killed = new Promise<'killed'>((resolve) => {
    this.announce = () => {
      resolve('killed');
    };
  });

  get isKilled(): boolean {
    return this.dead;
  }

  kill(): void {
    this.dead = true;
    this.announce();
  }

  /** Settles like `call`, unless the invocation is dead by then (or dies at this point). */
  private async guard(method: string, args: readonly unknown[], call: Promise<unknown>, at?: KillPoint) {
    if (this.dead) return NEVER;
    const result = await call;
    // Read through the getter: the kill may have come from another call while this one waited.
    if (!this.isKilled && at?.(method, args, result)) this.kill();
    return this.isKilled ? NEVER : result;
  }

  private async *guardIterable(iterable: AsyncIterable<unknown>): AsyncGenerator {
    const iterator = iterable[Symbol.asyncIterator]();
    for (;;) {
      const step = (await this.guard('next', [], iterator.next())) as IteratorResult<unknown>;
      if (step.done) return;
      yield step.value;
    }
  }

  /**
   * `port` with every method guarded; `at` may kill the invocation right after a successful
   * call; `watch` sees every call started while alive.
   */
  wrap<T extends object>(port: T, at?: KillPoint, watch?: CallWatcher): T {
    return new Proxy(port, {
      get: (target, property, receiver) => {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (this.dead) return NEVER;
          watch?.(String(property), args);
          const result: unknown = Reflect.apply(value, target, args);
          if (isPromise(result)) return this.guard(String(property), args, result, at);
          if (isAsyncIterable(result)) return this.guardIterable(result);
          return result;
        };
      },
    });
  }
}
