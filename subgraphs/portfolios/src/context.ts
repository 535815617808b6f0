/**
 * What portfolios resolvers get per request: the kit's base context plus stores, a
 * transaction runner, and per-request loaders (portfolios by id, each portfolio's book).
 */
import type { BaseContext } from '@platform/service-kit';
import DataLoader from 'dataloader';
import { loaderCache } from '@platform/service-kit';
import { loadPortfolioBook, type PortfolioBook } from './domain/portfolio-book.js';
import type { InTransaction, Stores } from './stores/index.js';
import type { Portfolio } from './stores/portfolio-store.js';

export interface Context extends BaseContext {
  stores: Stores;
  inTransaction: InTransaction;
  /** Portfolios by id, batched for this request (whoever owns them: resolvers check ownership). */
  portfolioById: DataLoader<string, Portfolio | null>;
  /** A portfolio's book, loaded once per request however many fields ask for it. */
  bookOf: (portfolio: Portfolio) => Promise<PortfolioBook>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID: other ids cannot name a portfolio, and never reach SQL. */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}

export function createContextFactory(services: { stores: Stores; inTransaction: InTransaction }) {
  return (base: BaseContext): Context => {
    const books = new Map<string, Promise<PortfolioBook>>();
    return {
      ...base,
      stores: services.stores,
      inTransaction: services.inTransaction,
      portfolioById: new DataLoader<string, Portfolio | null>(
        async (ids) => {
          const valid = [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))];
          const found = new Map((await services.stores.portfolios.findManyByIds(valid)).map((p) => [p.id, p]));
          return ids.map((id) => found.get(id.toLowerCase()) ?? null);
        },
        { cacheMap: loaderCache('portfolioById') },
      ),
      bookOf(portfolio) {
        let book = books.get(portfolio.id);
        if (!book) {
          book = loadPortfolioBook(services.stores, portfolio);
          books.set(portfolio.id, book);
        }
        return book;
      },
    };
  };
}
