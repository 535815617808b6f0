/**
 * SQL for the dated exchange-rate table, and the kit's `ExchangeRateSource` over it: the rate
 * of a pair on a day is the latest one recorded on or before that day.
 */
import {
  Decimal,
  sqlOn,
  type CalendarDate,
  type Database,
  type ExchangeRate,
  type ExchangeRateSource,
} from '@platform/service-kit';
import type { Knex } from 'knex';
import { z } from 'zod';

const rateRow = z.object({
  base_currency: z.string(),
  quote_currency: z.string(),
  rate_date: z.string(),
  rate: z.string(),
});

function toRate(row: z.infer<typeof rateRow>): ExchangeRate {
  return { base: row.base_currency, quote: row.quote_currency, date: row.rate_date, rate: new Decimal(row.rate) };
}

export interface RateStore extends ExchangeRateSource {
  /** Records the rate of `base`→`quote` from `date` on, replacing one recorded for that same day. */
  record(rate: ExchangeRate): Promise<ExchangeRate>;
}

export function createRateStore(db: Database | Knex.Transaction): RateStore {
  const sql = sqlOn(db);
  // One request converts many expenses of few days: each pair and day is looked up once.
  const cache = new Map<string, Promise<ExchangeRate | null>>();
  return {
    rateOn(base, quote, date: CalendarDate) {
      const key = `${base}/${quote}/${date}`;
      let found = cache.get(key);
      if (!found) {
        found = sql
          .first(
            rateRow,
            `select base_currency, quote_currency, rate_date, rate::text as rate from exchange_rates
             where base_currency = ? and quote_currency = ? and rate_date <= ? order by rate_date desc limit 1`,
            [base, quote, date],
          )
          .then((row) => (row ? toRate(row) : null));
        cache.set(key, found);
      }
      return found;
    },
    async record(rate) {
      cache.clear();
      const row = await sql.first(
        rateRow,
        `insert into exchange_rates (base_currency, quote_currency, rate_date, rate) values (?, ?, ?, ?)
         on conflict (base_currency, quote_currency, rate_date) do update set rate = excluded.rate, recorded_at = now()
         returning base_currency, quote_currency, rate_date, rate::text as rate`,
        [rate.base, rate.quote, rate.date, rate.rate.toFixed()],
      );
      return toRate(row!);
    },
  };
}
