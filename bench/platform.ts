/**
 * What the platform benchmarks share: the platform launched as `npm start` launches it, on
 * free ports and a fresh data folder (or one platform for several benchmarks of one process,
 * `sharePlatform`), and the report each writes to `.bench/`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import path from 'node:path';
import type { Environment } from '@platform/service-kit';
import {
  freePortVariables,
  launchPlatform,
  loadLauncherConfig,
  repositoryRoot,
  type LaunchedPlatform,
} from '../supergraph/src/platform/launch.js';

const outputDir = path.join(repositoryRoot, '.bench');

/**
 * The load generators are one address and often one user: budgets no run reaches, so the
 * gateway still counts every request and the benchmarks measure the platform, not refusals.
 */
const UNREACHED_RATE_LIMITS = Object.fromEntries(
  [
    'RATE_LIMIT_PER_CLIENT',
    'RATE_LIMIT_PER_USER',
    'EXPENSIVE_OPERATIONS_PER_CLIENT',
    'EXPENSIVE_OPERATIONS_PER_USER',
    // Every subscriber of the subscriptions benchmark connects from this machine's one address.
    'WS_MAX_CONNECTIONS_PER_CLIENT',
  ].map((name) => [name, String(1_000_000_000)]),
);

/** The administrator every bench platform seeds, with a password the benchmarks sign in with. */
export const BENCH_ADMIN = { email: 'bench.admin@example.test', password: 'benchmark admin password' };

interface BenchPlatformOptions {
  environment?: Environment;
  mode?: 'auto' | 'processes';
  serviceEnvironment?: Environment;
}

/** While `sharePlatform` runs: the options of the platform its benchmarks share, and the platform once launched. */
let sharing: { options?: string; platform?: Promise<LaunchedPlatform> } | undefined;

/**
 * Runs `benchmarks` (one after the other) on one platform: the first to launch one launches it,
 * each later one asking for the same options gets it (its `stop` leaves it running), and it
 * stops when `benchmarks` ends. `npm run bench -- a+b` runs this way; a platform start saved
 * is 15-30 s on 2 cores.
 */
export async function sharePlatform(benchmarks: () => Promise<void>): Promise<void> {
  sharing = {};
  try {
    await benchmarks();
  } finally {
    const platform = sharing.platform;
    sharing = undefined;
    await (await platform?.catch(() => undefined))?.stop();
  }
}

/**
 * Launches the platform for `benchmark`: data in `.bench/<benchmark>-data-<pid>` (this run's
 * own, so two runs at once never delete each other's database; removed when it stops), every
 * port free, every service logging warnings only, `BENCH_ADMIN` seeded; `environment` adds
 * launcher variables, `serviceEnvironment` variables of every service. Within
 * `sharePlatform`, the shared one when the options are the same.
 */
export async function launchBenchPlatform(
  benchmark: string,
  options: BenchPlatformOptions = {},
): Promise<LaunchedPlatform> {
  if (sharing) {
    const key = JSON.stringify(options);
    if (!sharing.platform) {
      sharing.options = key;
      sharing.platform = launchOwnPlatform('shared', options);
    }
    if (sharing.options === key) {
      let platform: LaunchedPlatform;
      try {
        platform = await sharing.platform;
      } catch (error) {
        sharing = {}; // a failed start is not shared: the next benchmark tries again
        throw error;
      }
      process.stderr.write(`[bench] ${benchmark}: on the shared platform\n`);
      return { ...platform, stop: async () => {} };
    }
  }
  return launchOwnPlatform(benchmark, options);
}

async function launchOwnPlatform(benchmark: string, options: BenchPlatformOptions): Promise<LaunchedPlatform> {
  const dataDir = path.join(outputDir, `${benchmark}-data-${process.pid}`);
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(outputDir, { recursive: true });
  const config = loadLauncherConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ADMIN_EMAIL: BENCH_ADMIN.email,
    ADMIN_PASSWORD: BENCH_ADMIN.password,
    ...(await freePortVariables()),
    ...options.environment,
  });
  const platform = await launchPlatform(config, (line) => process.stderr.write(`[platform] ${line}\n`), {
    serviceEnvironment: { LOG_LEVEL: 'warn', ...UNREACHED_RATE_LIMITS, ...options.serviceEnvironment },
    ...(options.mode ? { mode: options.mode } : {}),
  }).catch(async (error: unknown) => {
    // The launcher stopped what it had started; its data goes too.
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  return {
    ...platform,
    async stop() {
      await platform.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The machine a report was measured on. */
export function machine(): { cores: number; cpu: string; node: string } {
  return { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version };
}

/** Writes `report` to `.bench/<benchmark>.json`. */
export async function writeBenchReport(benchmark: string, report: unknown): Promise<void> {
  await mkdir(outputDir, { recursive: true });
  await writeFile(path.join(outputDir, `${benchmark}.json`), `${JSON.stringify(report, null, 2)}\n`);
}

/** Linux's clock ticks per second (`getconf CLK_TCK`), the unit of /proc's CPU times. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system) used so far by the live processes descended from this one whose
 * command name passes `accept` (e.g. the embedded Postgres server and its backends), from
 * /proc; null where there is no /proc. A difference of two readings is what they used between.
 */
export function descendantCpuSeconds(accept: (command: string) => boolean): number | null {
  if (process.platform !== 'linux') return null;
  const processes = new Map<number, { parent: number; command: string; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const commandEnd = stat.lastIndexOf(')');
      // After "pid (comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime …
      const fields = stat.slice(commandEnd + 2).split(' ');
      processes.set(Number(entry), {
        parent: Number(fields[1]),
        command: stat.slice(stat.indexOf('(') + 1, commandEnd),
        ticks: Number(fields[11]) + Number(fields[12]),
      });
    } catch {
      // Gone between the listing and the read.
    }
  }
  const descends = (pid: number): boolean => {
    for (let current = processes.get(pid); current; current = processes.get(current.parent)) {
      if (current.parent === process.pid) return true;
    }
    return false;
  };
  let ticks = 0;
  for (const [pid, info] of processes) if (accept(info.command) && descends(pid)) ticks += info.ticks;
  return ticks / CLOCK_TICKS_PER_SECOND;
}
