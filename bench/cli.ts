/**
 * `npm run bench -- <name> [--duration <seconds>] [--concurrency <n>]`
 *   login          login throughput and latency through the gateway (default 1,5,10 concurrent, 15 s each)
 *   authorization  the cost of enforcing the authorization directives, on vs off (default 10 concurrent, 3 rounds of 10 s)
 *   gateway        the standard federation workload (TestQuery, 50 concurrent) through stock Apollo Gateway, Hive
 *                  Gateway and ours, same workers each (default 30 s each; --gateways, --workers, --rounds)
 *   subscriptions  AuditEvents fan-out: --subscribers graphql-ws clients (default 1000), events at --rate/s (default 10)
 *                  for --duration s (default 20): deliveries, latency percentiles; then --producers users (default 4)
 *                  changing back to back: sustained events/s and deliveries/s, per platform CPU-second too
 *   tracing        what tracing costs the gateway: CPU ms per TestQuery, tracing on vs off, alternating runs (--rounds, --requests)
 *   bookings       HoldTickets on one hot ticket type, --concurrency buyers (default 50) for --duration s (default 15)
 *                  each, straight to the bookings subgraph (baseline) and through the gateway: holds/s, p50/p95/p99
 *   portfolio      PortfolioPerformance through the gateway over a 10-year daily price history and 1,000
 *                  activities: p50/p95 of --rounds sequential queries (default 50)
 *   search         the Postgres search engine on 100,000 generated events: p50/p95 of a text + date + facets search
 *                  and of a suggestion, --rounds sequential calls each (default 200)
 *   all            every benchmark above in turn, short settings each (bench/all.ts), one report: .bench/report-<date>.md
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { benchAll } from './all.js';
import { benchAuthorization } from './authorization.js';
import { benchBookings } from './bookings.js';
import { benchGateway, parseGatewayList } from './gateway/run.js';
import { benchTracing } from './gateway/tracing.js';
import { benchLogin } from './login.js';
import { benchPortfolio } from './portfolio.js';
import { benchSearch } from './search.js';
import { benchSubscriptions } from './subscriptions.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    duration: { type: 'string' },
    concurrency: { type: 'string' },
    rounds: { type: 'string' },
    workers: { type: 'string' },
    gateways: { type: 'string' },
    subscribers: { type: 'string' },
    rate: { type: 'string' },
    producers: { type: 'string' },
    requests: { type: 'string' },
  },
});
const benchmarks: Record<string, () => Promise<void>> = {
  login: () =>
    benchLogin({
      durationSeconds: Number(values.duration ?? 15),
      concurrency: (values.concurrency ?? '1,5,10').split(',').map(Number),
    }),
  gateway: () =>
    benchGateway({
      durationSeconds: Number(values.duration ?? 30),
      workers: Number(values.workers ?? availableParallelism()),
      gateways: parseGatewayList(values.gateways),
      concurrency: Number(values.concurrency ?? 50),
      rounds: Number(values.rounds ?? 1),
    }),
  authorization: () =>
    benchAuthorization({
      durationSeconds: Number(values.duration ?? 10),
      concurrency: Number(values.concurrency ?? 10),
      rounds: Number(values.rounds ?? 3),
    }),
  subscriptions: () =>
    benchSubscriptions({
      subscribers: Number(values.subscribers ?? 1000),
      durationSeconds: Number(values.duration ?? 20),
      rate: Number(values.rate ?? 10),
      producers: Number(values.producers ?? 4),
    }),
  bookings: () =>
    benchBookings({ durationSeconds: Number(values.duration ?? 15), concurrency: Number(values.concurrency ?? 50) }),
  tracing: () => benchTracing({ rounds: Number(values.rounds ?? 3), requests: Number(values.requests ?? 400) }),
  portfolio: () => benchPortfolio({ rounds: Number(values.rounds ?? 50) }),
  search: () => benchSearch({ rounds: Number(values.rounds ?? 200) }),
};
const name = positionals[0];
// all: every benchmark in turn, short settings, one report (bench/all.ts).
const run =
  name === 'all' ? async () => void (await benchAll(Object.keys(benchmarks))) : name ? benchmarks[name] : undefined;
if (!run) {
  process.stderr.write(
    `usage: npm run bench -- <${[...Object.keys(benchmarks), 'all'].join('|')}> [--duration s] [--concurrency n]\n`,
  );
  process.exit(2);
}
await run();
process.exit(0);
