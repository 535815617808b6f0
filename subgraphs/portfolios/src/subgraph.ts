/**
 * The portfolios subgraph: a user's investment portfolios, the activities that make them up
 * (BUY, SELL, DIVIDEND, FEE, INTEREST, SPLIT), the user's daily price/NAV history, and what
 * follows from them: holdings, cost basis, gains and performance (time- and money-weighted
 * returns, ROAI). Every figure is derived from the activities and prices in exact decimals.
 *
 * It publishes `portfolio.updated` and `investment.added` with each change, and
 * `performance.calculated` from the daily valuation job (`runDailyValuation`), which an
 * in-process timer runs for the previous UTC day until the platform has a job scheduler.
 * It consumes no events.
 */
import { addDays } from './domain/dates.js';
import { calendarDateIn, defineSubgraph, integerEnv } from '@platform/service-kit';
import { createContextFactory } from './context.js';
import { runDailyValuation } from './domain/valuation.js';
import { resolvers } from './resolvers/index.js';
import { createInTransaction, createStores } from './stores/index.js';

export { runDailyValuation } from './domain/valuation.js';

export const portfoliosSubgraph = defineSubgraph({
  name: 'portfolios',
  port: 4008,
  schema: new URL('./schema.graphql', import.meta.url),
  migrations: new URL('../../../migrations/portfolios/', import.meta.url),
  resolvers,
  config: {
    DAILY_VALUATION_INTERVAL_MINUTES: integerEnv(60, 0, 24 * 60).describe(
      'How often the in-process timer values every portfolio at the close of the previous UTC day (each day once); 0 turns it off',
    ),
  },
  async setup({ config, db, logger, onStart, onStop }) {
    const stores = createStores(db);
    const intervalMs = config.DAILY_VALUATION_INTERVAL_MINUTES * 60_000;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<unknown> = Promise.resolve();
    const valueYesterday = () => {
      // The previous day in UTC: its closes are final, and the day is the same on every replica.
      const date = addDays(calendarDateIn(new Date(), 'UTC'), -1);
      running = runDailyValuation(db, date).then(
        (valued) => logger.info({ date, valued }, 'daily valuation done'),
        (error: unknown) => logger.error({ err: error, date }, 'daily valuation failed'),
      );
    };
    if (intervalMs > 0) {
      onStart(() => {
        valueYesterday();
        timer = setInterval(valueYesterday, intervalMs);
        timer.unref();
      });
      onStop(async () => {
        clearInterval(timer);
        await running;
      });
    }
    return {
      context: createContextFactory({ stores, inTransaction: createInTransaction(db) }),
      exposed: { runDailyValuation: (date: string) => runDailyValuation(db, date) },
    };
  },
});
