/**
 * The portfolios subgraph: a user's investment portfolios, the activities that make them up
 * (BUY, SELL, DIVIDEND, FEE, INTEREST, SPLIT), the user's daily price/NAV history, and what
 * follows from them: holdings, cost basis, gains and performance (time- and money-weighted
 * returns, ROAI). Every figure is derived from the activities and prices in exact decimals.
 *
 * It publishes `portfolio.updated` and `investment.added` with each change, and
 * `performance.calculated` from the daily valuation job (`runDailyValuation`), which the
 * scheduled job `portfolios.daily-valuation` runs for the previous UTC day at 00:30 UTC.
 * It consumes no events.
 */
import { addDays } from './domain/dates.js';
import { calendarDateIn, defineSubgraph } from '@platform/service-kit';
import { z } from 'zod';
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
  jobs: {
    // Once a day after midnight UTC; a run missed while every replica was down is made up once.
    'portfolios.daily-valuation': {
      data: z.object({}),
      schedule: { cron: '30 0 * * *', tz: 'UTC', missed: 'once' },
      policy: 'singleton',
    },
  },
  async setup({ db, logger }) {
    const stores = createStores(db);
    return {
      context: createContextFactory({ stores, inTransaction: createInTransaction(db) }),
      jobs: {
        // Idempotent per portfolio and day (`portfolio_valuations`): a retry or a second run publishes nothing.
        'portfolios.daily-valuation': async () => {
          // The previous day in UTC: its closes are final, and the day is the same on every replica.
          const date = addDays(calendarDateIn(new Date(), 'UTC'), -1);
          const valued = await runDailyValuation(db, date);
          logger.info({ date, valued }, 'daily valuation done');
        },
      },
      exposed: { runDailyValuation: (date: string) => runDailyValuation(db, date) },
    };
  },
});
