/**
 * `npm run bench -- <name> [--duration <seconds>] [--concurrency <n>]`
 *   login          login throughput and latency through the gateway (default 1,5,10 concurrent, 15 s each)
 *   authorization  the cost of enforcing the authorization directives, on vs off (default 10 concurrent, 3 rounds of 10 s)
 *   gateway        the standard federation workload (TestQuery, 50 concurrent) through stock Apollo Gateway, Hive
 *                  Gateway and ours, same workers each (default 30 s each after 5 s of warm-up; --gateways,
 *                  --workers, --rounds, --warmup)
 *   subscriptions  AuditEvents fan-out: --subscribers graphql-ws clients (default 1000), events at --rate/s (default 10)
 *                  for --duration s (default 20): deliveries, latency percentiles; then --producers users (default 4)
 *                  changing back to back: sustained events/s and deliveries/s, per platform CPU-second too
 *   tracing        what tracing costs the gateway: CPU ms per TestQuery, tracing on vs off, alternating runs (--rounds, --requests)
 *   bookings       HoldTickets on one hot ticket type, --concurrency buyers (default 50) for --duration s (default 15)
 *                  each, straight to the bookings subgraph (baseline) and through the gateway: holds/s, p50/p95/p99
 *   portfolio      PortfolioPerformance through the gateway over a 10-year daily price history and 1,000
 *                  activities: p50/p95 of --rounds sequential queries (default 50)
 *   search         both search engines (Postgres, OpenSearch) on --events generated events (default 100,000): p50/p95
 *                  of a text + date + facets search and of a suggestion, --rounds sequential calls each (default 200)
 *   all            every benchmark above in turn, short settings each (bench/all.ts), one report: .bench/report-<date>.md
 *
 * `<name>+<name>...` runs several in turn on one platform, launched by the first that needs one (bench/platform.ts).
 *
 * Each run first prints the settings it runs with (`settings: {...}`), defaults included.
 */
import { parseArgs } from 'node:util';
import { benchAll } from './all.js';
import { BENCHMARK_OPTIONS, BENCHMARKS } from './benchmarks.js';
import { sharePlatform } from './platform.js';

const { positionals, values } = parseArgs({ allowPositionals: true, options: BENCHMARK_OPTIONS });
const name = positionals[0];
/** `a+b`: benchmarks in turn on one platform (`sharePlatform`); every one runs, then the first failure is thrown. */
function onOnePlatform(names: string[]): (() => Promise<void>) | undefined {
  const runs = names.map((member) => BENCHMARKS[member]?.(values));
  if (runs.some((member) => !member)) return undefined;
  return () =>
    sharePlatform(async () => {
      const failures: unknown[] = [];
      for (const member of runs) await member!().catch((error: unknown) => failures.push(error));
      if (failures.length > 0) throw failures[0];
    });
}
// all: every benchmark in turn, short settings, one report (bench/all.ts).
const run =
  name === 'all'
    ? async () => void (await benchAll(Object.keys(BENCHMARKS)))
    : name?.includes('+')
      ? onOnePlatform(name.split('+'))
      : name
        ? BENCHMARKS[name]?.(values)
        : undefined;
if (!run) {
  process.stderr.write(
    `usage: npm run bench -- <${[...Object.keys(BENCHMARKS), 'all'].join('|')}>[+<another>...] [--duration s] [--concurrency n]\n`,
  );
  process.exit(2);
}
await run();
process.exit(0);
