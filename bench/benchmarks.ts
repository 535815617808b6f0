/**
 * Every benchmark `npm run bench -- <name>` runs (bench/cli.ts), by name, and the options they
 * read: one table, so `all` (bench/all.ts) and its test see the same names and options.
 */
import { availableParallelism } from 'node:os';
import { benchAuthorization } from './authorization.js';
import { benchBookings } from './bookings.js';
import { benchGateway, DEFAULT_WARMUP_SECONDS, parseGatewayList } from './gateway/run.js';
import { benchTracing } from './gateway/tracing.js';
import { benchLogin } from './login.js';
import { benchPortfolio } from './portfolio.js';
import { benchSearch } from './search.js';
import { benchSubscriptions } from './subscriptions.js';

/** The command line's options (`--<name> <value>`), for `parseArgs`. */
export const BENCHMARK_OPTIONS = {
  duration: { type: 'string' },
  concurrency: { type: 'string' },
  rounds: { type: 'string' },
  workers: { type: 'string' },
  gateways: { type: 'string' },
  subscribers: { type: 'string' },
  rate: { type: 'string' },
  producers: { type: 'string' },
  requests: { type: 'string' },
  warmup: { type: 'string' },
  events: { type: 'string' },
} as const;

type OptionValues = Partial<Record<keyof typeof BENCHMARK_OPTIONS, string>>;

/** Prints the settings (defaults included), so every result says what produced it, then runs. */
function withSettings<T>(bench: (options: T) => Promise<void>, options: T): () => Promise<void> {
  return async () => {
    process.stdout.write(`settings: ${JSON.stringify(options)}\n`);
    await bench(options);
  };
}

/** Each benchmark's run with the options given, the rest at its defaults (built only when asked for: --gateways may not parse). */
export const BENCHMARKS: Record<string, (values: OptionValues) => () => Promise<void>> = {
  login: (values) =>
    withSettings(benchLogin, {
      durationSeconds: Number(values.duration ?? 15),
      concurrency: (values.concurrency ?? '1,5,10').split(',').map(Number),
    }),
  gateway: (values) =>
    withSettings(benchGateway, {
      durationSeconds: Number(values.duration ?? 30),
      warmupSeconds: Number(values.warmup ?? DEFAULT_WARMUP_SECONDS),
      workers: Number(values.workers ?? availableParallelism()),
      gateways: parseGatewayList(values.gateways),
      concurrency: Number(values.concurrency ?? 50),
      rounds: Number(values.rounds ?? 1),
    }),
  authorization: (values) =>
    withSettings(benchAuthorization, {
      durationSeconds: Number(values.duration ?? 10),
      concurrency: Number(values.concurrency ?? 10),
      rounds: Number(values.rounds ?? 3),
    }),
  subscriptions: (values) =>
    withSettings(benchSubscriptions, {
      subscribers: Number(values.subscribers ?? 1000),
      durationSeconds: Number(values.duration ?? 20),
      rate: Number(values.rate ?? 10),
      producers: Number(values.producers ?? 4),
    }),
  bookings: (values) =>
    withSettings(benchBookings, {
      durationSeconds: Number(values.duration ?? 15),
      concurrency: Number(values.concurrency ?? 50),
    }),
  tracing: (values) =>
    withSettings(benchTracing, { rounds: Number(values.rounds ?? 3), requests: Number(values.requests ?? 400) }),
  portfolio: (values) => withSettings(benchPortfolio, { rounds: Number(values.rounds ?? 50) }),
  search: (values) =>
    withSettings(benchSearch, { rounds: Number(values.rounds ?? 200), events: Number(values.events ?? 100_000) }),
};
