import { createServer } from 'node:net';

/** Asks the OS for a free loopback port (for servers that cannot listen on port 0 themselves). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('No port assigned'));
        return;
      }
      server.close(() => {
        resolve(address.port);
      });
    });
  });
}
