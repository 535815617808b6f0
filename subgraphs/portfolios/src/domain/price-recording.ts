/**
 * Recording prices, one through the API or many from a CSV import: each price is checked
 * (symbol, day, close, currency), and a symbol keeps the currency it was first priced or
 * traded in. Nothing is written unless every price is right.
 */
import { isCalendarDate } from '@platform/service-kit';
import type { PricePoint } from './ledger.js';
import type { Stores } from '../stores/index.js';
import { currencyProblem, normaliseSymbol, parsePrice, symbolProblem } from './validation.js';

export interface PriceInputRow {
  symbol: string;
  date: string;
  close: string;
  currencyCode: string;
}

export interface CheckedPrice extends PricePoint {
  currencyCode: string;
}

/** The price, or its problems by field (`symbol`, `date`, `close.amount`, `close.currencyCode`). */
export function checkPrice(
  row: PriceInputRow,
): { price: CheckedPrice; problems?: undefined } | { problems: Record<string, string> } {
  const symbol = normaliseSymbol(row.symbol);
  const problems: Record<string, string> = {};
  const symbolIssue = symbolProblem(symbol);
  if (symbolIssue) problems.symbol = symbolIssue;
  if (!isCalendarDate(row.date)) problems.date = 'must be a calendar date written YYYY-MM-DD';
  const close = parsePrice(row.close);
  if (close.problem) problems['close.amount'] = close.problem;
  const currencyIssue = currencyProblem(row.currencyCode);
  if (currencyIssue) problems['close.currencyCode'] = currencyIssue;
  if (Object.keys(problems).length > 0 || !close.value) return { problems };
  return { price: { symbol, date: row.date, close: close.value, currencyCode: row.currencyCode } };
}

/**
 * The prices whose currency differs from their symbol's (index → problem); when there is
 * none, records them all (defining new symbols) and returns an empty map.
 */
export async function recordPrices(
  stores: Pick<Stores, 'instruments'>,
  ownerId: string,
  prices: readonly CheckedPrice[],
): Promise<Map<number, string>> {
  const symbols = [...new Set(prices.map((price) => price.symbol))];
  const known = new Map((await stores.instruments.findMany(ownerId, symbols)).map((i) => [i.symbol, i.currencyCode]));
  const mismatches = new Map<number, string>();
  for (const [index, price] of prices.entries()) {
    const currency = known.get(price.symbol);
    if (currency === undefined) known.set(price.symbol, price.currencyCode);
    else if (currency !== price.currencyCode) mismatches.set(index, `${price.symbol} is priced in ${currency}`);
  }
  if (mismatches.size > 0) return mismatches;
  for (const symbol of symbols) {
    await stores.instruments.define({ ownerId, symbol, name: null, assetType: null, currencyCode: known.get(symbol)! });
  }
  // The last line of a day wins, as if each line were recorded in turn.
  const byDay = new Map(prices.map((price) => [`${price.symbol} ${price.date}`, price]));
  await stores.instruments.recordPrices(ownerId, [...byDay.values()]);
  return mismatches;
}
