/**
 * `npm run bench -- login`: login throughput and latency through the real gateway, with
 * 10 concurrent clients logging in (argon2id verification, token signing, a session row).
 * The whole platform runs as `npm start` runs it, on a fresh data folder.
 */
import { measure } from './load.js';
import type { LoadResult } from './load-driver.js';
import { launchBenchPlatform, machine, writeBenchReport } from './platform.js';

const LOGIN = `mutation Login($email: String!, $password: String!) {
  login(input: { email: $email, password: $password }) { accessToken refreshToken expiresIn tokenType user { id email } }
}`;
const REGISTER = `mutation Register($email: String!, $password: String!, $name: String!) {
  register(input: { email: $email, password: $password, name: $name }) { user { id } }
}`;

export async function benchLogin(options: { durationSeconds: number; concurrency: number[] }): Promise<void> {
  // Development mode (the launcher's) differs from production only in paths login does not take.
  const platform = await launchBenchPlatform('login', {
    environment: process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {},
    // Separate processes, as deployed: the benchmark measures the services, not one shared event loop.
    mode: 'processes',
  });
  try {
    const credentials = { email: 'bench.login@example.test', password: 'benchmark password' };
    const registered = await fetch(platform.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: REGISTER, variables: { ...credentials, name: 'Bench' } }),
    });
    if (!registered.ok) throw new Error(`register failed: ${await registered.text()}`);
    const spec = (concurrency: number) => ({
      url: platform.gatewayUrl,
      body: JSON.stringify({ query: LOGIN, variables: credentials, operationName: 'Login' }),
      concurrency,
      expectBody: '"accessToken":"ey',
    });
    await measure({ ...spec(Math.max(...options.concurrency)), durationSeconds: 3 }); // warm-up: JIT, pools, JWKS cache
    const rows: (LoadResult & { concurrency: number })[] = [];
    for (const concurrency of options.concurrency) {
      rows.push({
        concurrency,
        ...(await measure({ ...spec(concurrency), durationSeconds: options.durationSeconds })),
      });
    }
    const report = {
      benchmark: 'login',
      date: new Date().toISOString(),
      machine: machine(),
      argon2: 'argon2id m=19456 KiB, t=2, p=1',
      results: rows,
    };
    await writeBenchReport('login', report);
    process.stdout.write(
      [
        `| login through the gateway | requests | errors | RPS | p50 ms | p95 ms | p99 ms |`,
        `|---|---|---|---|---|---|---|`,
        ...rows.map(
          (row) =>
            `| ${row.concurrency} concurrent | ${row.requests} | ${row.errors + row.non200} | ${row.requestsPerSecond} | ${row.latencyMs.p50} | ${row.latencyMs.p95} | ${row.latencyMs.p99} |`,
        ),
        '',
        `written to .bench/login.json (${report.machine.cores} cores, Node ${report.machine.node})`,
        '',
      ].join('\n'),
    );
  } finally {
    await platform.stop();
  }
}
