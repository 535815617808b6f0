/**
 * What the platform benchmarks share: the platform launched as `npm start` launches it, on
 * free ports and a fresh data folder, and the report each writes to `.bench/`.
 */
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
  ].map((name) => [name, String(1_000_000_000)]),
);

/**
 * Launches the platform for `benchmark`: data in `.bench/<benchmark>-data` (emptied first),
 * every port free, every service logging warnings only; `environment` adds launcher variables,
 * `serviceEnvironment` variables of every service.
 */
export async function launchBenchPlatform(
  benchmark: string,
  options: { environment?: Environment; mode?: 'auto' | 'processes'; serviceEnvironment?: Environment } = {},
): Promise<LaunchedPlatform> {
  const dataDir = path.join(outputDir, `${benchmark}-data`);
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(outputDir, { recursive: true });
  const config = loadLauncherConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...(await freePortVariables()),
    ...options.environment,
  });
  return launchPlatform(config, (line) => process.stderr.write(`[platform] ${line}\n`), {
    serviceEnvironment: { LOG_LEVEL: 'warn', ...UNREACHED_RATE_LIMITS, ...options.serviceEnvironment },
    ...(options.mode ? { mode: options.mode } : {}),
  });
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
