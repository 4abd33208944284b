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
  let firstSignalAt: number | null = null;
  const onSignal = (name: NodeJS.Signals): void => {
    if (firstSignalAt !== null) {
      if (Date.now() - firstSignalAt > SIGNAL_ECHO_MS) process.exit(130);
      return;
    }
    firstSignalAt = Date.now();
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
  }
}
