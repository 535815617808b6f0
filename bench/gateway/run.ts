/**
 * `npm run bench -- gateway`: the standard federation gateway workload (TestQuery over the
 * accounts, inventory, products and reviews subgraphs, 50 concurrent clients), through
 * several gateways side by side on this machine: `stock` (@apollo/gateway + @apollo/server),
 * `hive` (Hive Gateway, configured as the public benchmark runs it), `hive-rust` (the same
 * with the Rust query planner) and `ours`; each also without inbound deduplication
 * (`*-nodedup`; stock has none), and `ours-auth`, ours with an access token per client.
 *
 * The subgraphs start once, in one process, and serve every gateway. Each gateway then runs
 * in turn on the same port with the same number of cluster workers: its TestQuery response
 * must equal the expected one before anything is measured; then a warm-up, the measured
 * load (RPS, latency percentiles, errors, the gateway's peak memory and CPU), and, for the
 * gateways that execute every request (deduplication off), a single-subgraph query compared
 * with the same query sent straight to the subgraph, which shows the gateway's own overhead.
 * Results print as a table and go to `.bench/gateway.json`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from '@platform/service-kit';
import { measure } from '../load.js';
import type { LoadResult, LoadSpec } from '../load-driver.js';
import { composeBenchSupergraph, supergraphDifferences } from '../subgraphs/compose.js';
import type { BenchSubgraphName } from '../subgraphs/subgraphs.js';
import { buildGatewayProcesses } from './build.js';
import { startBenchIdentity } from './identity.js';
import { GATEWAY_NAMES, type GatewayName, type GatewayProcessOptions } from './gateways/cluster.js';
import { sampleMachineCpu, sampleProcessTree, type ProcessTreeStats } from './process-stats.js';
import { renderReport } from './report.js';
import { DATA_ONLY_BODY, firstDifference, loadWorkload, postGraphQL, SINGLE_SUBGRAPH_QUERY } from './workload.js';

export interface GatewayBenchOptions {
  /** Measured seconds per gateway and query (default 30). */
  durationSeconds: number;
  /** Cluster workers per gateway, the same for all (default `os.availableParallelism()`). */
  workers: number;
  gateways: GatewayName[];
  /** Concurrent clients (default 50, as the public benchmark). */
  concurrency?: number;
  /** Warm-up seconds before the TestQuery measurement (default 5). */
  warmupSeconds?: number;
  /**
   * Times each gateway is started and measured, in alternating order (default 1); the
   * round with the median TestQuery RPS is reported, with every round's RPS beside it.
   */
  rounds?: number;
}

/** Every gateway but the variants of ours that answer a question of their own (limits off, tracing on, Apollo's executor). */
const DEFAULT_GATEWAYS: GatewayName[] = GATEWAY_NAMES.filter(
  (name) => name !== 'ours-nolimits' && name !== 'ours-traced' && name !== 'ours-apollo-executor',
);

/**
 * Gateways that answer identical requests in flight from one execution. 50 identical anonymous
 * queries make that most of their figure, so their single-subgraph overhead is not measured:
 * it would compare deduplication with a subgraph that executes every request.
 */
const DEDUPLICATING: ReadonlySet<GatewayName> = new Set(['hive', 'hive-rust', 'ours', 'ours-nolimits']);

/** Ours, configured from the environment the harness passes (see `oursEnvironment`): every `ours-*` row. */
const OURS: ReadonlySet<GatewayName> = new Set(GATEWAY_NAMES.filter((name) => name.startsWith('ours')));

/** `stock,hive,ours` to gateway names; the default list when absent; an error on an unknown name. */
export function parseGatewayList(text: string | undefined): GatewayName[] {
  if (!text) return DEFAULT_GATEWAYS;
  const names = text.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(GATEWAY_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new Error(`unknown gateways: ${unknown.join(', ')} (known: ${GATEWAY_NAMES.join(', ')})`);
  return names as GatewayName[];
}

export type Measured = LoadResult & {
  /** The gateway's process tree (primary and workers) while the load ran. */
  gateway?: ProcessTreeStats;
  /** The subgraphs' process while the load ran. */
  subgraphs: ProcessTreeStats;
  /** Busy share of all the machine's cores while the load ran (load driver, subgraphs, gateway, anything else), %. */
  machineCpuBusyPercent: number;
  /**
   * Requests served per second of the gateway's CPU time (RPS over its average cores in
   * use): the figure least moved by whatever else shares the machine.
   */
  requestsPerCpuSecond?: number;
};

export type GatewayResult =
  | {
      status: 'ok';
      /** GraphQL requests each subgraph received for one TestQuery. */
      subgraphFetches: Record<BenchSubgraphName, number>;
      testQuery: Measured;
      /** Measured only with inbound deduplication off (see `DEDUPLICATING`). */
      singleSubgraph?: Measured & { vsDirect: { rpsRatio: number; p50AddedMs: number } };
      /** RPS of every round, in the order run (the figures above are the median round's). */
      rounds: { testQueryRps: number[]; singleSubgraphRps: number[] };
    }
  | { status: 'failed'; reason: string };

export interface Ratio {
  rps: number | null;
  requestsPerCpuSecond: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  peakRss: number | null;
  singleSubgraphRps: number | null;
}

export interface GatewayBenchReport {
  benchmark: 'gateway';
  date: string;
  machine: {
    cores: number;
    availableParallelism: number;
    cpu: string;
    memoryGb: number;
    node: string;
    os: string;
  };
  settings: {
    durationSeconds: number;
    warmupSeconds: number;
    rounds: number;
    concurrency: number;
    workers: number;
    gateways: GatewayName[];
    testQueryResponseBytes: number;
    singleSubgraphQuery: string;
  };
  direct: { singleSubgraph: Measured };
  gateways: Partial<Record<GatewayName, GatewayResult>>;
  /** `a/b` of RPS, latencies, memory: above 1 means a is larger (better RPS, worse latency). */
  ratios: Record<string, Ratio>;
}

/** Seconds of load before a gateway's measured window (its JIT and caches warm). */
export const DEFAULT_WARMUP_SECONDS = 5;

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SUBGRAPHS_ENTRY = path.join(repositoryRoot, 'bench/subgraphs/start.ts');
const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 90_000;
const SHORT_WARMUP_SECONDS = 2;

/** Runs the comparison, prints the table and writes `.bench/gateway.json`. */
export async function benchGateway(options: GatewayBenchOptions): Promise<void> {
  const report = await runGatewayBenchmark(options);
  const outputFile = path.join(repositoryRoot, '.bench', 'gateway.json');
  await writeFile(outputFile, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${renderReport(report)}\nwritten to ${path.relative(repositoryRoot, outputFile)}\n`);
}

async function runGatewayBenchmark(options: GatewayBenchOptions): Promise<GatewayBenchReport> {
  const concurrency = options.concurrency ?? 50;
  const warmupSeconds = options.warmupSeconds ?? DEFAULT_WARMUP_SECONDS;
  const rounds = Math.max(1, options.rounds ?? 1);
  // A folder of this run's own: two runs at once (two engineers on one machine) must not route
  // each other's gateways to their subgraphs through one supergraph file, or share a build.
  const workDir = path.join(repositoryRoot, '.bench', 'gateway', `run-${process.pid}`);
  await mkdir(workDir, { recursive: true });
  const workload = await loadWorkload();
  const expectedBytes = Buffer.byteLength(JSON.stringify(workload.expectedResponse));

  const subgraphs = await startSubgraphProcess();
  try {
    const supergraph = composeBenchSupergraph(subgraphs.urls);
    const differences = supergraphDifferences(supergraph, workload.referenceSupergraph);
    if (differences.length > 0) {
      throw new Error(`the benchmark supergraph differs from the reference one:\n${differences.join('\n')}`);
    }
    const supergraphPath = path.join(workDir, 'supergraph.graphql');
    await writeFile(supergraphPath, supergraph);
    const primary = await buildGatewayProcesses(path.join(workDir, 'build'));
    const load = (url: string, body: string, durationSeconds: number): LoadSpec => ({
      url,
      body,
      concurrency,
      durationSeconds,
      expectBody: DATA_ONLY_BODY,
    });
    const measured = async (spec: LoadSpec, gatewayPid?: number): Promise<Measured> => {
      const gatewaySampler = gatewayPid === undefined ? undefined : sampleProcessTree(gatewayPid);
      const subgraphSampler = sampleProcessTree(subgraphs.pid);
      const machineSampler = sampleMachineCpu();
      const result = await measure(spec);
      const gateway = gatewaySampler?.stop();
      return {
        ...result,
        gateway,
        subgraphs: subgraphSampler.stop(),
        machineCpuBusyPercent: machineSampler.stop(),
        ...(gateway && gateway.avgCpuPercent > 0
          ? { requestsPerCpuSecond: round(result.requestsPerSecond / (gateway.avgCpuPercent / 100), 1) }
          : {}),
      };
    };

    log(`direct: ${SINGLE_SUBGRAPH_QUERY} straight to the products subgraph`);
    const directResponse = await postGraphQL(subgraphs.urls.products, workload.singleSubgraphBody);
    if (directResponse.status !== 200 || !isDataOnly(directResponse.json)) {
      throw new Error(`the products subgraph answered ${directResponse.status}: ${directResponse.text}`);
    }
    await measure(load(subgraphs.urls.products, workload.singleSubgraphBody, SHORT_WARMUP_SECONDS));
    const direct = await measured(load(subgraphs.urls.products, workload.singleSubgraphBody, options.durationSeconds));

    const port = await freePort();
    const url = `http://${HOST}:${port}/graphql`;
    const processOptions: GatewayProcessOptions = { port, host: HOST, workers: options.workers, supergraphPath };

    const benchOne = async (name: GatewayName, label: string): Promise<GatewayResult> => {
      log(`${label}: starting ${options.workers} workers`);
      let gateway: GatewayProcess | undefined;
      // ours-auth: a user and token per client, and auth's keys and authz's answers for the gateway.
      const identity = name === 'ours-auth' ? await startBenchIdentity(concurrency, HOST) : undefined;
      const clientHeaders = identity?.clientHeaders;
      const headers = clientHeaders?.[0] ?? {};
      const post = (body: string) => postGraphQL(url, body, { headers });
      const gatewayLoad = (body: string, durationSeconds: number): LoadSpec => ({
        ...load(url, body, durationSeconds),
        ...(clientHeaders ? { clientHeaders } : {}),
      });
      try {
        gateway = await startGatewayProcess(primary, name, processOptions, identity?.environment);
        const response = await post(workload.testQueryBody);
        const difference = response.status === 200 ? firstDifference(response.json, workload.expectedResponse) : null;
        if (response.status !== 200 || difference) {
          throw new Error(
            `TestQuery response is not the expected one: ${difference ?? `HTTP ${response.status} ${response.text.slice(0, 500)}`}`,
          );
        }
        const subgraphFetches = await countFetches(subgraphs.urls, () => post(workload.testQueryBody));
        if (identity && identity.permissionLookups() === 0) {
          throw new Error(
            "the gateway answered without asking authz for the caller's permissions: the token was not used",
          );
        }

        log(`${label}: response checked (${subgraphFetchesText(subgraphFetches)}); warm-up ${warmupSeconds} s`);
        await measure(gatewayLoad(workload.testQueryBody, warmupSeconds));
        log(`${label}: TestQuery for ${options.durationSeconds} s`);
        const testQuery = await measured(gatewayLoad(workload.testQueryBody, options.durationSeconds), gateway.pid);
        if (DEDUPLICATING.has(name)) {
          return {
            status: 'ok',
            subgraphFetches,
            testQuery,
            rounds: { testQueryRps: [testQuery.requestsPerSecond], singleSubgraphRps: [] },
          };
        }

        const single = await post(workload.singleSubgraphBody);
        const singleDifference = firstDifference(single.json, directResponse.json);
        if (single.status !== 200 || singleDifference) {
          throw new Error(`single-subgraph response differs from the subgraph's: ${singleDifference ?? single.status}`);
        }
        const singleFetches = await countFetches(subgraphs.urls, () => post(workload.singleSubgraphBody));
        if (Object.entries(singleFetches).some(([subgraph, count]) => count !== (subgraph === 'products' ? 1 : 0))) {
          throw new Error(`the single-subgraph query was not one fetch: ${subgraphFetchesText(singleFetches)}`);
        }
        await measure(gatewayLoad(workload.singleSubgraphBody, SHORT_WARMUP_SECONDS));
        log(`${label}: single-subgraph query for ${options.durationSeconds} s`);
        const singleSubgraph = await measured(
          gatewayLoad(workload.singleSubgraphBody, options.durationSeconds),
          gateway.pid,
        );
        return {
          status: 'ok',
          subgraphFetches,
          testQuery,
          singleSubgraph: {
            ...singleSubgraph,
            vsDirect: {
              rpsRatio: round(singleSubgraph.requestsPerSecond / direct.requestsPerSecond, 3),
              p50AddedMs: round(singleSubgraph.latencyMs.p50 - direct.latencyMs.p50, 1),
            },
          },
          rounds: {
            testQueryRps: [testQuery.requestsPerSecond],
            singleSubgraphRps: [singleSubgraph.requestsPerSecond],
          },
        };
      } catch (error) {
        const reason = (error as Error).message;
        log(`${label}: FAILED: ${reason}`);
        return { status: 'failed', reason };
      } finally {
        await gateway?.stop();
        await identity?.stop();
      }
    };

    // Rounds alternate the order, so drift on a shared machine falls on every gateway alike.
    const runs: Partial<Record<GatewayName, GatewayResult[]>> = {};
    for (let round = 1; round <= rounds; round += 1) {
      const order = round % 2 === 1 ? options.gateways : [...options.gateways].reverse();
      for (const name of order) {
        if (runs[name]?.some((result) => result.status === 'failed')) continue;
        const label = rounds > 1 ? `${name} (round ${round}/${rounds})` : name;
        (runs[name] ??= []).push(await benchOne(name, label));
      }
    }
    const gateways: Partial<Record<GatewayName, GatewayResult>> = {};
    for (const name of options.gateways) gateways[name] = medianRound(runs[name] ?? []);

    return {
      benchmark: 'gateway',
      date: new Date().toISOString(),
      machine: {
        cores: cpus().length,
        availableParallelism: availableParallelism(),
        cpu: cpus()[0]?.model ?? 'unknown',
        memoryGb: round(totalmem() / 1024 ** 3, 1),
        node: process.version,
        os: `${process.platform} ${release()}`,
      },
      settings: {
        durationSeconds: options.durationSeconds,
        warmupSeconds,
        rounds,
        concurrency,
        workers: options.workers,
        gateways: options.gateways,
        testQueryResponseBytes: expectedBytes,
        singleSubgraphQuery: SINGLE_SUBGRAPH_QUERY,
      },
      direct: { singleSubgraph: direct },
      gateways,
      ratios: Object.fromEntries(
        RATIOS.filter(([a, b]) => gateways[a] && gateways[b]).map(([a, b]) => [
          `${a}/${b}`,
          ratio(gateways[a], gateways[b]),
        ]),
      ),
    };
  } finally {
    await subgraphs.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

/** The comparisons the issue asks for, printed when both gateways ran. */
const RATIOS: [GatewayName, GatewayName][] = [
  ['ours', 'hive-rust'],
  ['ours', 'hive'],
  ['ours', 'stock'],
  ['ours-nodedup', 'stock'],
  ['ours-nodedup', 'hive-nodedup'],
  ['ours-nodedup', 'hive-rust-nodedup'],
  ['ours-auth', 'hive-rust-nodedup'],
  ['ours-auth', 'ours-nodedup'],
  ['ours-traced', 'ours-nodedup'],
  ['ours-nodedup', 'ours-apollo-executor'],
];

/** The round with the median TestQuery RPS, with every round's RPS; a failure if any round failed. */
function medianRound(results: GatewayResult[]): GatewayResult {
  const failed = results.find((result) => result.status === 'failed');
  if (failed || results.length === 0) return failed ?? { status: 'failed', reason: 'not run' };
  const ok = results.filter((result) => result.status === 'ok');
  const median = [...ok].sort((a, b) => a.testQuery.requestsPerSecond - b.testQuery.requestsPerSecond)[
    Math.floor((ok.length - 1) / 2)
  ]!;
  return {
    ...median,
    rounds: {
      testQueryRps: ok.map((result) => result.testQuery.requestsPerSecond),
      singleSubgraphRps: ok.flatMap((result) =>
        result.singleSubgraph ? [result.singleSubgraph.requestsPerSecond] : [],
      ),
    },
  };
}

function ratio(a: GatewayResult | undefined, b: GatewayResult | undefined): Ratio {
  const okA = a?.status === 'ok' ? a : undefined;
  const okB = b?.status === 'ok' ? b : undefined;
  const of = (pick: (result: Extract<GatewayResult, { status: 'ok' }>) => number | undefined) => {
    const x = okA && pick(okA);
    const y = okB && pick(okB);
    return x !== undefined && y !== undefined && y > 0 ? round(x / y, 3) : null;
  };
  return {
    rps: of((r) => r.testQuery.requestsPerSecond),
    requestsPerCpuSecond: of((r) => r.testQuery.requestsPerCpuSecond),
    p50: of((r) => r.testQuery.latencyMs.p50),
    p95: of((r) => r.testQuery.latencyMs.p95),
    p99: of((r) => r.testQuery.latencyMs.p99),
    peakRss: of((r) => r.testQuery.gateway?.peakRssMb),
    singleSubgraphRps: of((r) => r.singleSubgraph?.requestsPerSecond),
  };
}

const isDataOnly = (json: unknown) => typeof json === 'object' && json !== null && Object.keys(json).join() === 'data';
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const log = (line: string) => process.stderr.write(`[bench gateway] ${line}\n`);
const subgraphFetchesText = (fetches: Record<string, number>) =>
  Object.entries(fetches)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');

/** How many GraphQL requests each subgraph received while `action` ran (nothing else may be running). */
async function countFetches(
  urls: Record<BenchSubgraphName, string>,
  action: () => Promise<unknown>,
): Promise<Record<BenchSubgraphName, number>> {
  const served = async () =>
    Object.fromEntries(
      await Promise.all(
        Object.entries(urls).map(async ([name, url]) => {
          const response = await fetch(new URL('/stats', url));
          return [name, ((await response.json()) as { served: number }).served] as const;
        }),
      ),
    ) as Record<BenchSubgraphName, number>;
  const before = await served();
  await action();
  const after = await served();
  return Object.fromEntries(
    Object.entries(after).map(([name, count]) => [name, count - before[name as BenchSubgraphName]]),
  ) as Record<BenchSubgraphName, number>;
}

interface SubgraphProcess {
  urls: Record<BenchSubgraphName, string>;
  pid: number;
  stop(): Promise<void>;
}

/** The four subgraphs in one separate process (`bench/subgraphs/start.ts`). */
async function startSubgraphProcess(): Promise<SubgraphProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SUBGRAPHS_ENTRY], {
    cwd: repositoryRoot,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await firstLine(child, 30_000, 'subgraphs');
  return {
    urls: JSON.parse(line) as Record<BenchSubgraphName, string>,
    pid: child.pid!,
    stop: () => stopChild(child),
  };
}

interface GatewayProcess {
  pid: number;
  stop(): Promise<void>;
}

async function startGatewayProcess(
  primary: string,
  name: GatewayName,
  options: GatewayProcessOptions,
  identityEnvironment: Record<string, string> = {},
): Promise<GatewayProcess> {
  const environment = OURS.has(name)
    ? { ...(await (await import('./gateways/ours.js')).oursEnvironment(options)), ...identityEnvironment }
    : {};
  const child = spawn(process.execPath, [primary, name, JSON.stringify(options)], {
    cwd: repositoryRoot,
    env: { ...process.env, NODE_ENV: 'production', ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const errorOutput: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    errorOutput.push(line);
    if (errorOutput.length > 20) errorOutput.shift();
    process.stderr.write(`[${name}] ${line}\n`);
  });
  try {
    await firstLine(child, READY_TIMEOUT_MS, name);
  } catch (error) {
    await stopChild(child);
    throw new Error(`${(error as Error).message}${errorOutput.length ? `\n${errorOutput.join('\n')}` : ''}`);
  }
  return { pid: child.pid!, stop: () => stopChild(child) };
}

/** The first line the child prints, or an error when it exits or `timeoutMs` passes first. */
async function firstLine(child: ChildProcess, timeoutMs: number, name: string): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  let cleanup = () => {};
  try {
    return await new Promise<string>((resolve, reject) => {
      const onLine = (line: string) => resolve(line);
      const onExit = (code: number | null, signal: string | null) =>
        reject(new Error(`${name} exited (${signal ?? code}) before it was ready`));
      const timer = setTimeout(() => reject(new Error(`${name} was not ready after ${timeoutMs / 1000} s`)), timeoutMs);
      lines.once('line', onLine);
      child.once('exit', onExit);
      cleanup = () => {
        clearTimeout(timer);
        lines.off('line', onLine);
        child.off('exit', onExit);
      };
    });
  } finally {
    cleanup();
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const fuse = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(fuse);
}
