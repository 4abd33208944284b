/**
 * The simulator's `node:http` server: listening on loopback, and stopping promptly however many
 * sockets and `delay` faults are still open.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export class LoopbackServer {
  private server: Server | undefined;
  /** Resolvers of in-progress delays, released by stop() so no timer outlives the server. */
  private readonly pendingDelays = new Set<() => void>();

  constructor(
    private readonly handle: (request: IncomingMessage, response: ServerResponse) => Promise<void>,
  ) {}

  /**
   * Listens on `host` (default 127.0.0.1) and `port` (default 0: any free port).
   *
   * @throws when already started, or when the port cannot be bound.
   */
  async start(options: { port?: number; host?: string } = {}): Promise<{ url: string }> {
    if (this.server) throw new Error('The simulator is already started.');
    const { port = 0, host = '127.0.0.1' } = options;
    const server = createServer((request, response) => {
      // Last line of defence: whatever goes wrong, the process must not crash on a request.
      this.handle(request, response).catch(() => request.socket.destroy());
    });
    this.server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      this.server = undefined;
      throw error;
    }
    const { port: boundPort } = server.address() as AddressInfo;
    return { url: `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}` };
  }

  /** Closes the server and every socket, idle keep-alive and in-flight alike, so it resolves promptly. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const release of this.pendingDelays) release();
    this.pendingDelays.clear();
    await new Promise<void>((resolve, reject) => {
      server.close((error) => {
        if (error) reject(error);
        else resolve();
      });
      server.closeAllConnections();
    });
  }

  /** Resolves after `ms`, or as soon as stop() runs. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const release = (): void => {
        clearTimeout(timer);
        this.pendingDelays.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      this.pendingDelays.add(release);
    });
  }
}
