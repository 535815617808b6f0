/**
 * How every benchmarked gateway runs: one process per gateway (`primary.ts`) whose
 * primary forks N workers with node:cluster and serves nothing itself; each worker runs
 * the gateway's module (`stock.ts`, `hive.ts`, `ours.ts`) and listens on the shared port.
 * The primary loads no gateway code, so the process tree's memory is the workers'.
 */
import cluster from 'node:cluster';
import path from 'node:path';

/**
 * `*-nodedup` is the gateway without inbound request deduplication (stock has none), to see
 * what the engine does when every request is executed; `hive-rust` is Hive Gateway with the
 * Rust query planner; `ours-auth` is ours with an access token per client; `ours-nolimits` is
 * `ours` without its operation, cost and rate limits, to see what they cost; `ours-traced` is
 * `ours-nodedup` with tracing on, exporting every span (OTLP), to see what tracing costs;
 * `ours-apollo-executor` is `ours-nodedup` with @apollo/gateway's executor instead of ours.
 */
export const GATEWAY_NAMES = [
  'stock',
  'hive',
  'hive-nodedup',
  'hive-rust',
  'hive-rust-nodedup',
  'ours',
  'ours-nodedup',
  'ours-auth',
  'ours-nolimits',
  'ours-traced',
  'ours-apollo-executor',
] as const;
export type GatewayName = (typeof GATEWAY_NAMES)[number];

export interface GatewayProcessOptions {
  port: number;
  host: string;
  workers: number;
  /** The composed benchmark supergraph, its routing URLs pointing at the shared subgraphs. */
  supergraphPath: string;
}

/** A gateway started in this process (tests start them in-process; the harness, clustered). */
export interface RunningGateway {
  /** The GraphQL endpoint. */
  url: string;
  stop(): Promise<void>;
}

export function parseGatewayProcessOptions(text: string | undefined): GatewayProcessOptions {
  const options = JSON.parse(text ?? '{}') as Partial<GatewayProcessOptions>;
  if (!options.port || !options.host || !options.workers || !options.supergraphPath) {
    throw new Error('expected a JSON argument {"port","host","workers","supergraphPath"}');
  }
  return options as GatewayProcessOptions;
}

/**
 * When this process is a cluster worker forked for gateway `name` (by `primary.ts`), starts
 * the gateway with the options from argv and exits when the primary goes; otherwise, as
 * when a test imports the module, does nothing.
 */
export async function runAsClusterWorker(
  name: GatewayName,
  start: (options: GatewayProcessOptions) => Promise<unknown>,
): Promise<void> {
  if (!cluster.isWorker || !process.argv[1] || path.parse(process.argv[1]).name !== name) return;
  process.on('disconnect', () => process.exit(0));
  try {
    await start(parseGatewayProcessOptions(process.argv[2]));
  } catch (error) {
    process.stderr.write(
      `[${name} worker ${process.pid}] failed to start: ${(error as Error).stack ?? String(error)}\n`,
    );
    process.exit(1);
  }
}
