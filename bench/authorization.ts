/**
 * `npm run bench -- authorization`: what enforcing the authorization directives costs per
 * request. One platform, two gateways side by side on the same subgraphs: one enforcing
 * (`AUTHORIZATION_MODE=filter`, the default) and one with enforcement off. Both resolve the
 * caller's permissions the same way; only the directive enforcement differs. Rounds
 * alternate between the two so drift hits both alike.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '@platform/service-kit';
import { repositoryRoot, waitUntilReady } from '../supergraph/src/platform/launch.js';
import { measure } from './load.js';
import type { LoadResult } from './load-driver.js';
import { BENCH_ADMIN, launchBenchPlatform, machine, writeBenchReport } from './platform.js';

const LOGIN = `mutation Login($email: String!, $password: String!) { login(input: { email: $email, password: $password }) { accessToken } }`;
// A protected query across two subgraphs: @authenticated `me`, its roles and permissions from authz.
const PROTECTED = `query MyAccess { me { id roles { id name } permissions } }`;

/** The platform's gateway started once more on ports of its own (metrics too: the first holds its METRICS_PORT), enforcement off. */
async function startExtraGateway(environment: Record<string, string | undefined>, port: number): Promise<ChildProcess> {
  const metricsPort = environment.METRICS_PORT === undefined ? {} : { METRICS_PORT: String(await freePort()) };
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repositoryRoot, 'gateway/src/main.ts')], {
    cwd: repositoryRoot,
    env: {
      ...process.env,
      ...environment,
      PORT: String(port),
      ...metricsPort,
      AUTHORIZATION_MODE: 'off',
      LOG_LEVEL: 'error',
    },
    stdio: 'inherit',
  });
  try {
    await waitUntilReady('the comparison gateway', `http://127.0.0.1:${port}`, child);
  } catch (error) {
    child.kill();
    throw error;
  }
  return child;
}

export async function benchAuthorization(options: { durationSeconds: number; concurrency: number; rounds: number }) {
  const platform = await launchBenchPlatform('authorization', {
    // Separate processes, as deployed: the benchmark measures the services, not one shared event loop.
    mode: 'processes',
  });
  let off: ChildProcess | undefined;
  try {
    const offPort = await freePort();
    off = await startExtraGateway(platform.environments.gateway!, offPort);
    const loggedIn = await fetch(platform.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: LOGIN, variables: BENCH_ADMIN }),
    });
    const token = ((await loggedIn.json()) as { data: { login: { accessToken: string } } }).data.login.accessToken;
    const targets = { enforced: platform.gatewayUrl, off: `http://127.0.0.1:${offPort}/graphql` };
    const spec = (url: string) => ({
      url,
      body: JSON.stringify({ query: PROTECTED, operationName: 'MyAccess' }),
      headers: { authorization: `Bearer ${token}` },
      concurrency: options.concurrency,
      expectBody: '"permissions":\\["',
    });
    for (const url of Object.values(targets)) await measure({ ...spec(url), durationSeconds: 3 }); // warm-up
    const results: Record<keyof typeof targets, LoadResult[]> = { enforced: [], off: [] };
    for (let round = 0; round < options.rounds; round += 1) {
      for (const name of ['enforced', 'off'] as const) {
        results[name].push(await measure({ ...spec(targets[name]), durationSeconds: options.durationSeconds }));
      }
    }
    const summary = (name: keyof typeof targets) => {
      const all = results[name];
      const requests = all.reduce((sum, result) => sum + result.requests, 0);
      const seconds = all.reduce((sum, result) => sum + result.durationSeconds, 0);
      const mean = all.reduce((sum, result) => sum + result.latencyMs.mean * result.requests, 0) / requests;
      return {
        requests,
        errors: all.reduce((sum, result) => sum + result.errors + result.non200, 0),
        requestsPerSecond: Math.round((requests / seconds) * 10) / 10,
        meanMs: Math.round(mean * 100) / 100,
        p50Ms: Math.max(...all.map((result) => result.latencyMs.p50)),
        p99Ms: Math.max(...all.map((result) => result.latencyMs.p99)),
        firstFailure: all.find((result) => result.firstFailure)?.firstFailure ?? null,
      };
    };
    const enforced = summary('enforced');
    const disabled = summary('off');
    const report = {
      benchmark: 'authorization',
      date: new Date().toISOString(),
      machine: machine(),
      query: 'MyAccess (admin): @authenticated me, roles and permissions from authz',
      concurrency: options.concurrency,
      rounds: options.rounds,
      enforced,
      off: disabled,
      ratios: {
        latency: Math.round((enforced.meanMs / disabled.meanMs) * 1000) / 1000,
        throughput: Math.round((enforced.requestsPerSecond / disabled.requestsPerSecond) * 1000) / 1000,
      },
      enforcementCostMsPerRequest: Math.round((enforced.meanMs - disabled.meanMs) * 1000) / 1000,
    };
    await writeBenchReport('authorization', report);
    process.stdout.write(
      [
        '| gateway | requests | errors | RPS | mean ms | p50 ms | p99 ms |',
        '|---|---|---|---|---|---|---|',
        `| enforcement on (filter) | ${enforced.requests} | ${enforced.errors} | ${enforced.requestsPerSecond} | ${enforced.meanMs} | ${enforced.p50Ms} | ${enforced.p99Ms} |`,
        `| enforcement off | ${disabled.requests} | ${disabled.errors} | ${disabled.requestsPerSecond} | ${disabled.meanMs} | ${disabled.p50Ms} | ${disabled.p99Ms} |`,
        '',
        ...[enforced, disabled].flatMap((summary) =>
          summary.firstFailure ? [`first failure: ${summary.firstFailure}`] : [],
        ),
        `latency ratio on/off: ${report.ratios.latency}; throughput ratio on/off: ${report.ratios.throughput}; cost ≈ ${report.enforcementCostMsPerRequest} ms per request`,
        `written to .bench/authorization.json (${report.machine.cores} cores, Node ${report.machine.node})`,
        '',
      ].join('\n'),
    );
  } finally {
    off?.kill('SIGTERM');
    await platform.stop();
  }
}
