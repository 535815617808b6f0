/**
 * Conversion between currencies at a dated rate. A rate is looked up for the date of the
 * amount (the most recent one published on or before it, since markets publish no rates on
 * weekends and holidays); a missing rate is an error naming the pair and the date, never 1.0.
 * Where rates live is the subgraph's business (a table in its database); this is the rule.
 */
import type { Decimal } from './decimal.js';
import { Money } from './money.js';

/** A calendar date, `YYYY-MM-DD`. */
export type CalendarDate = string;

export interface ExchangeRate {
  base: string;
  quote: string;
  /** The date the rate is valid from (until a later one). */
  date: CalendarDate;
  /** Units of `quote` for one unit of `base`. */
  rate: Decimal;
}

/** Finds the rate of `base`→`quote` valid on `date`, or null; implemented over a table or a list. */
export interface ExchangeRateSource {
  rateOn(base: string, quote: string, date: CalendarDate): Promise<ExchangeRate | null>;
}

export class MissingExchangeRateError extends Error {
  constructor(
    readonly base: string,
    readonly quote: string,
    readonly date: CalendarDate,
  ) {
    super(`no ${base}/${quote} exchange rate on or before ${date}`);
    this.name = 'MissingExchangeRateError';
  }
}

/**
 * `money` in `currencyCode` at the rate valid on `date`, rounded to the target's minor unit.
 * Uses the inverse of a `quote`→`base` rate when only that one is recorded.
 */
export async function convert(
  money: Money,
  currencyCode: string,
  date: CalendarDate,
  rates: ExchangeRateSource,
): Promise<Money> {
  if (money.currencyCode === currencyCode) return money;
  const direct = await rates.rateOn(money.currencyCode, currencyCode, date);
  if (direct) return Money.of(money.amount.times(direct.rate), currencyCode);
  const inverse = await rates.rateOn(currencyCode, money.currencyCode, date);
  if (inverse && !inverse.rate.isZero()) return Money.of(money.amount.dividedBy(inverse.rate), currencyCode);
  throw new MissingExchangeRateError(money.currencyCode, currencyCode, date);
}

/** An `ExchangeRateSource` over rates held in memory (tests, a day's batch). */
export function exchangeRatesFrom(rates: readonly ExchangeRate[]): ExchangeRateSource {
  return {
    async rateOn(base, quote, date) {
      let best: ExchangeRate | null = null;
      for (const rate of rates) {
        if (rate.base === base && rate.quote === quote && rate.date <= date && (!best || rate.date > best.date))
          best = rate;
      }
      return best;
    },
  };
}
