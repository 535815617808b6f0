/** Free TCP ports, for tests and benchmarks that must know a service's port before it starts. */
import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';

// Below Linux's ephemeral range (32768–60999), so no outgoing connection is given the port
// between this check and the service's listen; each vitest fork draws from its own slice, so
// two platforms starting side by side never pick the same port.
const FIRST_PORT = 10_000;
const SLICE = 5_000;
const SLICES = 4;
const handedOut = new Set<number>();

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A TCP port free right now on 127.0.0.1 (for services that must know each other's URL up front). */
export async function freePort(): Promise<number> {
  const pool = Number(process.env.VITEST_POOL_ID ?? 0);
  const first = pool > 0 ? FIRST_PORT + ((pool - 1) % SLICES) * SLICE : FIRST_PORT;
  const size = pool > 0 ? SLICE : SLICE * SLICES;
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = first + randomInt(size);
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port between ${first} and ${first + size - 1}`);
}
