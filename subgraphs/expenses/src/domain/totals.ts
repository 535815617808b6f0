/**
 * Sums of expenses in one currency. Each expense counts in the currency it was spent in when
 * that is the one asked for, else as converted when recorded (when that matches), else converted
 * now at its own day's rate: an expense's value never depends on when the sum is asked for.
 */
import { convert, Money, type ExchangeRateSource } from '@platform/service-kit';
import type { AmountRow } from '../stores/expense-store.js';

export async function valueIn(row: AmountRow, currencyCode: string, rates: ExchangeRateSource): Promise<Money> {
  if (row.amount.currencyCode === currencyCode) return row.amount;
  if (row.convertedAmount.currencyCode === currencyCode) return row.convertedAmount;
  return convert(row.amount, currencyCode, row.spentOn, rates);
}

export async function totalIn(
  rows: readonly AmountRow[],
  currencyCode: string,
  rates: ExchangeRateSource,
): Promise<Money> {
  let total = Money.zero(currencyCode);
  for (const row of rows) total = total.plus(await valueIn(row, currencyCode, rates));
  return total;
}
