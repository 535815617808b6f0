/**
 * The daily valuation job: every portfolio with activities is valued at the close of a day,
 * with its performance since its first activity, and a `performance.calculated` event is
 * published, once per portfolio and day (a second run, or another replica, inserts nothing
 * into `portfolio_valuations` and so publishes nothing). A later issue moves the timer that
 * runs it onto the platform's job scheduler; this function is the seam.
 */
import { Money } from '@platform/service-kit';
import { NO_REQUEST } from '@platform/service-kit/events';
import type { Knex } from 'knex';
import { createStores } from '../stores/index.js';
import { loadPortfolioBook } from './portfolio-book.js';
import { eventAboutPortfolio } from './portfolio-events.js';

/** Values every portfolio at the close of `date`; answers how many were valued now (not before). */
export async function runDailyValuation(db: Knex, date: string): Promise<number> {
  const ids = await createStores(db).portfolios.listIdsWithActivityUntil(date);
  let valued = 0;
  for (const id of ids) {
    // One transaction per portfolio: a failure leaves the others' valuations standing.
    const done = await db.transaction(async (trx) => {
      const stores = createStores(trx);
      const [portfolio] = await stores.portfolios.findManyByIds([id]);
      if (!portfolio) return false;
      const book = await loadPortfolioBook(stores, portfolio);
      const first = book.activities[0]?.occurredOn;
      if (!first) return false;
      const performance = book.performance(first, date);
      const currencyCode = portfolio.baseCurrencyCode;
      if (!(await stores.valuations.recordOnce(id, date, performance.endValue, currencyCode))) return false;
      await stores.outbox.enqueue(
        eventAboutPortfolio('platform.portfolios.performance.calculated.v1', id, {
          actorId: null,
          context: NO_REQUEST,
          portfolioId: id,
          ownerId: portfolio.ownerId,
          valuedOn: date,
          value: Money.of(performance.endValue, currencyCode).toJSON(),
          netContributions: Money.of(performance.netContributions, currencyCode).toJSON(),
          absoluteGain: Money.of(performance.absoluteGain, currencyCode).toJSON(),
          timeWeightedReturn: performance.timeWeightedReturn?.toNumber() ?? null,
          moneyWeightedReturn: performance.moneyWeightedReturn,
        }),
      );
      return true;
    });
    if (done) valued += 1;
  }
  return valued;
}
