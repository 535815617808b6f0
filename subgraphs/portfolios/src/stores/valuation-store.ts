/** SQL for the daily valuations the valuation job has done (one per portfolio and day). */
import { sqlOn, type Decimal } from '@platform/service-kit';
import type { Knex } from 'knex';

export interface ValuationStore {
  /** Records the day's valuation; false when that day was already valued (by another run or replica). */
  recordOnce(portfolioId: string, valuedOn: string, value: Decimal, currencyCode: string): Promise<boolean>;
}

export function createValuationStore(db: Knex): ValuationStore {
  const sql = sqlOn(db);
  return {
    async recordOnce(portfolioId, valuedOn, value, currencyCode) {
      const inserted = await sql.execute(
        `insert into portfolio_valuations (portfolio_id, valued_on, value, currency) values (?, ?, ?, ?)
          on conflict (portfolio_id, valued_on) do nothing`,
        [portfolioId, valuedOn, value.toFixed(), currencyCode],
      );
      return inserted === 1;
    },
  };
}
