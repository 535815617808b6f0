/** SQL for activities, in ledger order (day, then order of recording). */
import { Decimal, sqlOn } from '@platform/service-kit';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { ActivityType, LedgerActivity } from '../domain/ledger.js';

export interface Activity extends LedgerActivity {
  id: string;
  portfolioId: string;
  currencyCode: string;
  idempotencyKey: string | null;
  createdAt: Date;
}

const decimal = z.string().transform((value) => new Decimal(value));

const activityRow = z
  .object({
    id: z.string(),
    portfolio_id: z.string(),
    type: z.enum(['BUY', 'SELL', 'DIVIDEND', 'FEE', 'INTEREST', 'SPLIT']),
    symbol: z.string(),
    quantity: decimal,
    unit_price: decimal,
    fee: decimal,
    currency: z.string(),
    occurred_on: z.string(),
    idempotency_key: z.string().nullable(),
    created_at: z.date(),
  })
  .transform((row): Activity => ({
    id: row.id,
    portfolioId: row.portfolio_id,
    type: row.type,
    symbol: row.symbol,
    quantity: row.quantity,
    unitPrice: row.unit_price,
    fee: row.fee,
    currencyCode: row.currency,
    occurredOn: row.occurred_on,
    idempotencyKey: row.idempotency_key,
    createdAt: row.created_at,
  }));

const COLUMNS =
  'id, portfolio_id, type, symbol, quantity::text, unit_price::text, fee::text, currency, occurred_on, idempotency_key, created_at';

const queries = {
  insert: `insert into activities (portfolio_id, type, symbol, quantity, unit_price, fee, currency, occurred_on, idempotency_key)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?) returning ${COLUMNS}`,
  listByPortfolio: `select ${COLUMNS} from activities where portfolio_id = ? order by occurred_on, seq`,
  findByIdempotencyKey: `select ${COLUMNS} from activities where portfolio_id = ? and idempotency_key = ?`,
};

export interface NewActivity {
  portfolioId: string;
  type: ActivityType;
  symbol: string;
  quantity: Decimal;
  unitPrice: Decimal;
  fee: Decimal;
  currencyCode: string;
  occurredOn: string;
  idempotencyKey: string | null;
}

export interface ActivityStore {
  insert(activity: NewActivity): Promise<Activity>;
  /** Every activity of the portfolio in ledger order. */
  listByPortfolio(portfolioId: string): Promise<Activity[]>;
  findByIdempotencyKey(portfolioId: string, key: string): Promise<Activity | undefined>;
}

export function createActivityStore(db: Knex): ActivityStore {
  const sql = sqlOn(db);
  return {
    async insert(activity) {
      const row = await sql.first(activityRow, queries.insert, [
        activity.portfolioId,
        activity.type,
        activity.symbol,
        activity.quantity.toFixed(),
        activity.unitPrice.toFixed(),
        activity.fee.toFixed(),
        activity.currencyCode,
        activity.occurredOn,
        activity.idempotencyKey,
      ]);
      if (!row) throw new Error('insert returned no activity');
      return row;
    },
    listByPortfolio: (portfolioId) => sql.rows(activityRow, queries.listByPortfolio, [portfolioId]),
    findByIdempotencyKey: (portfolioId, key) =>
      sql.first(activityRow, queries.findByIdempotencyKey, [portfolioId, key]),
  };
}
