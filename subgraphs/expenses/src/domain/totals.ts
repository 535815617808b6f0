/**
 * Totals of a user's expenses in one currency, by category and month. Each expense counts in
 * the currency it was spent in when that is the one asked for, else as converted when recorded
 * (when that matches): those Postgres sums exactly. The rest (a report after the base currency
 * changed, a budget in another currency) are converted at their own day's rate, so an
 * expense's value never depends on when the total is asked for.
 */
import { convert, Money, type CalendarDate } from '@platform/service-kit';
import type { Stores } from '../stores/index.js';

export interface Total {
  categoryId: string;
  /** `YYYY-MM`. */
  month: string;
  total: Money;
}

export async function totalsIn(
  stores: Stores,
  userId: string,
  range: { from: CalendarDate; to: CalendarDate },
  currencyCode: string,
  categoryId?: string,
): Promise<Total[]> {
  const { sums, unconverted } = await stores.expenses.totals(userId, range, currencyCode, categoryId);
  const totals = new Map(sums.map((sum) => [`${sum.categoryId}|${sum.month}`, sum]));
  for (const row of unconverted) {
    const value = await convert(row.amount, currencyCode, row.spentOn, stores.rates);
    const key = `${row.categoryId}|${row.spentOn.slice(0, 7)}`;
    const known = totals.get(key);
    totals.set(key, {
      categoryId: row.categoryId,
      month: row.spentOn.slice(0, 7),
      total: known ? known.total.plus(value) : value,
    });
  }
  return [...totals.values()];
}

export function sumOf(totals: readonly Total[], currencyCode: string): Money {
  return totals.reduce((sum, total) => sum.plus(total.total), Money.zero(currencyCode));
}
