/**
 * A portfolio's book: its activities, the prices of its symbols and its instruments, loaded
 * once and then asked for holdings, value or performance at any day. Both the API and the
 * daily valuation job go through it, so they compute the same figures.
 */
import { Money } from '@platform/service-kit';
import type { Stores } from '../stores/index.js';
import type { Activity } from '../stores/activity-store.js';
import type { Instrument, Price } from '../stores/instrument-store.js';
import type { Portfolio } from '../stores/portfolio-store.js';
import { holdingsOf, type HoldingView } from './holdings.js';
import { ledgerAsOf, type Ledger } from './ledger.js';
import { computePerformance, type Performance } from './performance.js';

export interface PortfolioBook {
  portfolio: Portfolio;
  activities: Activity[];
  holdings(asOf: string): HoldingView[];
  value(asOf: string): Money;
  performance(from: string, to: string): Performance;
}

/** The latest day any price can be asked for: loading prices up to it loads them all. */
const END_OF_TIME = '9999-12-31';

export async function loadPortfolioBook(
  stores: Pick<Stores, 'activities' | 'instruments'>,
  portfolio: Portfolio,
): Promise<PortfolioBook> {
  const activities = await stores.activities.listByPortfolio(portfolio.id);
  const symbols = [...new Set(activities.map((activity) => activity.symbol))];
  const [prices, instruments]: [Price[], Instrument[]] = await Promise.all([
    stores.instruments.pricesUntil(portfolio.ownerId, symbols, END_OF_TIME),
    stores.instruments.findMany(portfolio.ownerId, symbols),
  ]);
  const bySymbol = new Map(instruments.map((instrument) => [instrument.symbol, instrument]));
  const currencyCode = portfolio.baseCurrencyCode;
  const method = portfolio.costBasisMethod;
  // `value` and `holdings` of one query usually ask for the same day: replay it once.
  const ledgers = new Map<string, Ledger>();
  const ledgerOn = (asOf: string) => {
    let ledger = ledgers.get(asOf);
    if (!ledger) {
      ledger = ledgerAsOf(method, currencyCode, activities, prices, asOf);
      ledgers.set(asOf, ledger);
    }
    return ledger;
  };
  return {
    portfolio,
    activities,
    holdings: (asOf) => holdingsOf(ledgerOn(asOf), bySymbol, currencyCode, asOf),
    value: (asOf) => Money.of(ledgerOn(asOf).value, currencyCode),
    performance: (from, to) => computePerformance({ method, currencyCode, activities, prices, from, to }),
  };
}
