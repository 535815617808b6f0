/**
 * `npm run bench -- login`: login throughput and latency through the real gateway at 1, 5 and
 * 10 concurrent clients (argon2id verification, token signing, a session row, the event it
 * publishes and what consumes it), beside the bound argon2id sets on this machine.
 *
 * The platform runs as `npm start` runs it: every service in this process on the in-process
 * event bus, on a fresh data folder. Each client signs in as its own account (as real traffic
 * does; one account's concurrent attempts are throttled on purpose, see the kit's
 * attempt-throttle.ts).
 *
 * The bound: one argon2id verification at identity's parameters is timed here first, in CPU
 * time (`process.cpuUsage`, which counts libuv's threadpool where argon2 runs); the machine's
 * cores divided by it is the most logins a second the hardware allows. The platform's CPU time
 * is measured over every round too (this process, and the embedded Postgres it started), so
 * logins per CPU-second compare on a loaded machine: `argon2 share` is how much of the
 * platform's CPU went to verification (100 % would be the bound per CPU-second). A round's
 * CPU runs until the platform is at rest again after it: the consumers of its logins' events
 * (audit, analytics, the sign-in notification and its mail) may finish after the last answer,
 * and their work is the logins' cost too. The sign-in mails are the exception, reported beside:
 * notifications' job workers send them at their own pace (`JOBS_CONCURRENCY` jobs a
 * `JOBS_POLLING_INTERVAL_SECONDS`), so the mails still queued when a round's CPU stops are
 * counted and printed, their cost not in the figures.
 */
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDatabase } from '@platform/service-kit';
import { ARGON2_MINIMUM, createPasswordHasher } from '../subgraphs/identity/src/domain/passwords.js';
import { measure } from './load.js';
import type { LoadResult } from './load-driver.js';
import { descendantCpuSeconds, launchBenchPlatform, machine, writeBenchReport } from './platform.js';

const LOGIN = `mutation Login($email: String!, $password: String!) {
  login(input: { email: $email, password: $password }) { accessToken refreshToken expiresIn tokenType user { id email } }
}`;
const REGISTER = `mutation Register($email: String!, $password: String!, $name: String!) {
  register(input: { email: $email, password: $password, name: $name }) { user { id } }
}`;
const PASSWORD = 'benchmark password';
const VERIFICATIONS = 30;

/** CPU milliseconds (all threads of this process) and wall milliseconds of one argon2id verification at the platform minimum. */
async function argon2Cost(): Promise<{ cpuMs: number; wallMs: number }> {
  // identity's own hasher, at the minimum its configuration accepts (what the launcher runs).
  const passwords = await createPasswordHasher(ARGON2_MINIMUM);
  const hash = await passwords.hash(PASSWORD);
  await passwords.verify(hash, PASSWORD); // warm-up
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let index = 0; index < VERIFICATIONS; index += 1) await passwords.verify(hash, PASSWORD);
  const used = process.cpuUsage(cpu);
  return {
    cpuMs: Math.round(((used.user + used.system) / 1000 / VERIFICATIONS) * 100) / 100,
    wallMs: Math.round(((performance.now() - started) / VERIFICATIONS) * 100) / 100,
  };
}

export async function benchLogin(options: { durationSeconds: number; concurrency: number[] }): Promise<void> {
  const cores = availableParallelism();
  // Measured before the platform starts, while this process does nothing else.
  const verification = await argon2Cost();
  const boundPerSecond = Math.round((cores * 1000 * 10) / verification.cpuMs) / 10;
  process.stderr.write(
    `[bench] one argon2id verification: ${verification.cpuMs} ms CPU (${verification.wallMs} ms wall); ${cores} cores bound logins near ${boundPerSecond}/s\n`,
  );

  // Development mode (the launcher's) differs from production only in paths login does not take.
  const platform = await launchBenchPlatform('login', {
    environment: process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {},
  });
  const notifications = createDatabase({
    url: platform.environments.notifications!.DATABASE_URL!,
    applicationName: 'bench-login',
    poolMax: 1,
  });
  /** Sign-in mails (and any other) not yet handed to SMTP. */
  const mailsQueued = async () =>
    (
      await notifications.raw<{ rows: { queued: number }[] }>(
        `select count(*)::int as queued from deliveries where channel = 'email' and state = 'pending'`,
      )
    ).rows[0]!.queued;
  try {
    // What the platform costs at rest (relays and job workers polling, timers), per second:
    // measured before anything is asked of it, once the start has settled (the logins' own
    // consumers, mail and audit, would otherwise still be at work).
    const postgresCpu = () => descendantCpuSeconds((command) => command.startsWith('postgres'));
    /** CPU seconds of the platform so far: this process (argon2's threadpool included) and its Postgres. */
    const platformCpu = () => {
      const used = process.cpuUsage();
      return (used.user + used.system) / 1e6 + (postgresCpu() ?? 0);
    };
    const IDLE_SECONDS = 10;
    await sleep(5_000);
    const idleBefore = platformCpu();
    await sleep(IDLE_SECONDS * 1000);
    const idleCoresPerSecond = (platformCpu() - idleBefore) / IDLE_SECONDS;

    const accounts = Math.max(...options.concurrency);
    const bodies: string[] = [];
    for (let index = 0; index < accounts; index += 1) {
      const credentials = { email: `bench.login.${index}@example.test`, password: PASSWORD };
      const registered = await fetch(platform.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: REGISTER, variables: { ...credentials, name: `Bench ${index}` } }),
      });
      if (!registered.ok) throw new Error(`register failed: ${await registered.text()}`);
      bodies.push(JSON.stringify({ query: LOGIN, variables: credentials, operationName: 'Login' }));
    }
    const spec = (concurrency: number) => ({
      url: platform.gatewayUrl,
      body: bodies[0]!,
      clientBodies: bodies,
      concurrency,
      expectBody: '"accessToken":"ey',
    });
    /**
     * Waits until the platform is back at rest: the round's events are consumed after their
     * logins answered (audit, analytics, notifications, mail), and that work is the login's too.
     * At rest means two seconds in a row at most a little above the CPU measured at rest.
     * Answers the seconds waited (at most a minute).
     */
    const settle = async (): Promise<number> => {
      const started = performance.now();
      let quietSeconds = 0;
      while (quietSeconds < 2 && performance.now() - started < 60_000) {
        const before = platformCpu();
        await sleep(1000);
        quietSeconds = platformCpu() - before <= idleCoresPerSecond * 1.5 + 0.05 ? quietSeconds + 1 : 0;
      }
      return (performance.now() - started) / 1000;
    };
    await measure({ ...spec(accounts), durationSeconds: 3 }); // warm-up: JIT, pools, JWKS cache
    await settle(); // and its consumers done, so no round pays for them
    const rows: (LoadResult & {
      concurrency: number;
      /** Seconds after the round until the platform was at rest again: its CPU counts for the round. */
      settleSeconds: number;
      /** Mails still waiting for the job worker when the round's CPU stopped (the warm-up's included). */
      mailsQueued: number;
      nodeCpuSeconds: number;
      postgresCpuSeconds: number | null;
      loginsPerCpuSecond: number;
      /** CPU milliseconds per login beyond what the platform costs at rest. */
      cpuMsPerLogin: number;
      argon2Share: number;
      ofBound: number;
    })[] = [];
    const round1 = (value: number) => Math.round(value * 10) / 10;

    for (const concurrency of options.concurrency) {
      const cpu = process.cpuUsage();
      const postgresBefore = postgresCpu();
      const result = await measure({ ...spec(concurrency), durationSeconds: options.durationSeconds });
      const settleSeconds = await settle();
      const used = process.cpuUsage(cpu);
      const postgresAfter = postgresCpu();
      const queued = await mailsQueued();
      const nodeCpuSeconds = (used.user + used.system) / 1e6;
      const postgresCpuSeconds =
        postgresBefore === null || postgresAfter === null ? null : postgresAfter - postgresBefore;
      const cpuSeconds = nodeCpuSeconds + (postgresCpuSeconds ?? 0);
      const logins = result.requests - result.errors - result.non200;
      rows.push({
        concurrency,
        ...result,
        settleSeconds: round1(settleSeconds),
        mailsQueued: queued,
        nodeCpuSeconds: round1(nodeCpuSeconds),
        postgresCpuSeconds: postgresCpuSeconds === null ? null : round1(postgresCpuSeconds),
        loginsPerCpuSecond: round1(logins / cpuSeconds),
        cpuMsPerLogin: round1(
          ((cpuSeconds - idleCoresPerSecond * (result.durationSeconds + settleSeconds)) * 1000) / logins,
        ),
        argon2Share: round1(((logins * verification.cpuMs) / 1000 / cpuSeconds) * 100),
        ofBound: round1((result.requestsPerSecond / boundPerSecond) * 100),
      });
    }
    const report = {
      benchmark: 'login',
      date: new Date().toISOString(),
      machine: machine(),
      argon2: `argon2id m=${ARGON2_MINIMUM.memoryKib} KiB, t=${ARGON2_MINIMUM.iterations}, p=${ARGON2_MINIMUM.parallelism}`,
      verification,
      boundPerSecond,
      idleCoresPerSecond: Math.round(idleCoresPerSecond * 1000) / 1000,
      results: rows,
    };
    await writeBenchReport('login', report);
    process.stdout.write(
      [
        `one argon2id verification (${report.argon2}): ${verification.cpuMs} ms CPU, ${verification.wallMs} ms wall; bound on ${cores} cores: ${boundPerSecond} logins/s (${Math.round(10_000 / verification.cpuMs) / 10} per CPU-second)`,
        `the platform at rest (node and Postgres): ${Math.round(idleCoresPerSecond * 1000) / 1000} of a core`,
        '',
        `| login through the gateway | requests | errors | RPS | bound | of bound | p50 ms | p95 ms | p99 ms | at rest after s | mails queued | node CPU s | Postgres CPU s | logins per CPU-s | CPU ms per login above rest | argon2 share of CPU |`,
        `|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|`,
        ...rows.map(
          (row) =>
            `| ${row.concurrency} concurrent | ${row.requests} | ${row.errors + row.non200} | ${row.requestsPerSecond} | ${boundPerSecond} | ${row.ofBound} % | ${row.latencyMs.p50} | ${row.latencyMs.p95} | ${row.latencyMs.p99} | ${row.settleSeconds} | ${row.mailsQueued} | ${row.nodeCpuSeconds} | ${row.postgresCpuSeconds ?? 'n/a'} | ${row.loginsPerCpuSecond} | ${row.cpuMsPerLogin} | ${row.argon2Share} % |`,
        ),
        ...rows
          .filter((row) => row.firstFailure)
          .map((row) => `first failure at ${row.concurrency}: ${row.firstFailure}`),
        '',
        `written to .bench/login.json (${report.machine.cores} cores, Node ${report.machine.node})`,
        '',
      ].join('\n'),
    );
  } finally {
    await notifications.destroy();
    await platform.stop();
  }
}
