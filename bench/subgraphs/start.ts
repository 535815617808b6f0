/**
 * Starts the four benchmark subgraphs in this one process, each on its own port (free
 * ones unless given), prints one JSON line `{"accounts":"http://…/graphql",…}`, and runs
 * until SIGTERM, SIGINT or the end of stdin. Started once and shared by every gateway run.
 *
 *   node --import tsx bench/subgraphs/start.ts ['{"accounts":4201,…}']
 */
import { pathToFileURL } from 'node:url';
import { startBenchSubgraph, type RunningBenchSubgraph } from './server.js';
import { BENCH_SUBGRAPH_NAMES, type BenchSubgraphName } from './subgraphs.js';

export async function startBenchSubgraphs(
  ports: Partial<Record<BenchSubgraphName, number>> = {},
  host = '127.0.0.1',
): Promise<{ urls: Record<BenchSubgraphName, string>; stop(): Promise<void> }> {
  const running: RunningBenchSubgraph[] = [];
  try {
    for (const name of BENCH_SUBGRAPH_NAMES) running.push(await startBenchSubgraph(name, ports[name] ?? 0, host));
  } catch (error) {
    await Promise.all(running.map((subgraph) => subgraph.stop()));
    throw error;
  }
  return {
    urls: Object.fromEntries(running.map((subgraph) => [subgraph.name, subgraph.url])) as Record<
      BenchSubgraphName,
      string
    >,
    stop: async () => {
      await Promise.all(running.map((subgraph) => subgraph.stop()));
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const subgraphs = await startBenchSubgraphs(
    JSON.parse(process.argv[2] ?? '{}') as Partial<Record<BenchSubgraphName, number>>,
  );
  process.stdout.write(`${JSON.stringify(subgraphs.urls)}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void subgraphs.stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdin.on('end', stop).resume();
}
