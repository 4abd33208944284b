/** Ctrl-C handling for the commands that run for a while (`poll --once`, `start`). */

/**
 * Under `npm start` one Ctrl-C arrives twice: from the terminal and forwarded by npm. Repeats
 * within this window are that echo, not a second Ctrl-C.
 */
const SIGNAL_ECHO_MS = 1_000;

/** Aborts on Ctrl-C (or SIGTERM) while `use` runs; a second Ctrl-C exits at once. */
export async function withInterrupt<T>(
  print: (text: string) => void,
  use: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  // An object, not a `let`: the listener sets it, and the `finally` below must see that.
  const received: { firstAt: number | null } = { firstAt: null };
  const onSignal = (name: NodeJS.Signals): void => {
    if (received.firstAt !== null) {
      if (Date.now() - received.firstAt > SIGNAL_ECHO_MS) process.exit(130);
      return;
    }
    received.firstAt = Date.now();
    print(`${name} received: stopping (press Ctrl-C again to exit at once)...`);
    controller.abort(new Error(`${name} received`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await use(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (received.firstAt !== null) ignoreEchoUntil(received.firstAt + SIGNAL_ECHO_MS);
  }
}

/**
 * `use` may finish before the echo of the first Ctrl-C arrives; without a listener Node would
 * then kill the process mid-cleanup. Unref'd, so it never holds a finished command open.
 */
function ignoreEchoUntil(until: number): void {
  const ignore = (): void => undefined;
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);
  setTimeout(
    () => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', ignore);
    },
    Math.max(until - Date.now(), 0),
  ).unref();
}
