/** What a command opened (servers, clients, files), closed whatever happens. */
import type { Log } from '../functions/core/ports.js';

/** Cleanup steps, run in reverse order of registration; a failing step does not stop the others. */
export class Resources {
  private readonly closers: { what: string; close: () => Promise<void> }[] = [];

  constructor(private readonly log: Log) {}

  add(what: string, close: () => Promise<void>): void {
    this.closers.push({ what, close });
  }

  async closeAll(): Promise<void> {
    for (const { what, close } of this.closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        this.log.warn(`Could not close ${what}`, { error });
      }
    }
  }
}

/** Runs `use` with resources that are always released, whatever happens. */
export async function withResources<T>(log: Log, use: (resources: Resources) => Promise<T>): Promise<T> {
  const resources = new Resources(log);
  try {
    return await use(resources);
  } finally {
    await resources.closeAll();
  }
}
