/** Free TCP ports, for tests and benchmarks that must know a service's port before it starts. */
import { createServer } from 'node:net';

/** A TCP port free right now on 127.0.0.1 (for services that must know each other's URL up front). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
