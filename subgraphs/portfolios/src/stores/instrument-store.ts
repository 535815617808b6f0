/** SQL for a user's instruments and their daily price (or NAV) history. */
import { Decimal, sqlOn } from '@platform/service-kit';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { PricePoint } from '../domain/ledger.js';

export type AssetType = 'EQUITY' | 'ETF' | 'MUTUAL_FUND' | 'BOND' | 'CRYPTO' | 'CASH';

export interface Instrument {
  ownerId: string;
  symbol: string;
  name: string | null;
  assetType: AssetType | null;
  currencyCode: string;
}

export interface Price extends PricePoint {
  currencyCode: string;
}

const instrumentRow = z
  .object({
    owner_id: z.string(),
    symbol: z.string(),
    name: z.string().nullable(),
    asset_type: z.enum(['EQUITY', 'ETF', 'MUTUAL_FUND', 'BOND', 'CRYPTO', 'CASH']).nullable(),
    currency: z.string(),
  })
  .transform((row): Instrument => ({
    ownerId: row.owner_id,
    symbol: row.symbol,
    name: row.name,
    assetType: row.asset_type,
    currencyCode: row.currency,
  }));

const priceRow = z
  .object({ symbol: z.string(), price_date: z.string(), close: z.string(), currency: z.string() })
  .transform((row): Price => ({
    symbol: row.symbol,
    date: row.price_date,
    close: new Decimal(row.close),
    currencyCode: row.currency,
  }));

const INSTRUMENT_COLUMNS = 'owner_id, symbol, name, asset_type, currency';

const queries = {
  find: `select ${INSTRUMENT_COLUMNS} from instruments where owner_id = ? and symbol = ?`,
  findMany: `select ${INSTRUMENT_COLUMNS} from instruments where owner_id = ? and symbol = any(?::text[])`,
  // The first use of a symbol defines it; later uses only fill in what is still unknown.
  define: `insert into instruments (owner_id, symbol, name, asset_type, currency) values (?, ?, ?, ?, ?)
    on conflict (owner_id, symbol) do update set
      name = coalesce(instruments.name, excluded.name),
      asset_type = coalesce(instruments.asset_type, excluded.asset_type)
    returning ${INSTRUMENT_COLUMNS}`,
  // Recording a day's price again replaces it: a corrected close, or a re-imported file.
  recordPrices: `insert into prices (owner_id, symbol, price_date, close)
    select ?, symbol, price_date, close from unnest(?::text[], ?::date[], ?::numeric[]) as p (symbol, price_date, close)
    on conflict (owner_id, symbol, price_date) do update set close = excluded.close`,
  pricesUntil: `select p.symbol, p.price_date, p.close::text, i.currency from prices p
    join instruments i on i.owner_id = p.owner_id and i.symbol = p.symbol
    where p.owner_id = ? and p.symbol = any(?::text[]) and p.price_date <= ? order by p.price_date, p.symbol`,
  history: `select p.symbol, p.price_date, p.close::text, i.currency from prices p
    join instruments i on i.owner_id = p.owner_id and i.symbol = p.symbol
    where p.owner_id = ? and p.symbol = ? and p.price_date between ? and ? order by p.price_date`,
};

export interface InstrumentStore {
  find(ownerId: string, symbol: string): Promise<Instrument | undefined>;
  findMany(ownerId: string, symbols: readonly string[]): Promise<Instrument[]>;
  /** Creates the instrument, or fills in its name and asset type when still unknown; returns it as stored. */
  define(instrument: Instrument): Promise<Instrument>;
  /** Records each day's price, replacing one recorded before (one day appears once in `prices`). */
  recordPrices(ownerId: string, prices: readonly PricePoint[]): Promise<void>;
  /** Prices of `symbols` up to `until`, by day. */
  pricesUntil(ownerId: string, symbols: readonly string[], until: string): Promise<Price[]>;
  history(ownerId: string, symbol: string, from: string, to: string): Promise<Price[]>;
}

export function createInstrumentStore(db: Knex): InstrumentStore {
  const sql = sqlOn(db);
  return {
    find: (ownerId, symbol) => sql.first(instrumentRow, queries.find, [ownerId, symbol]),
    findMany: (ownerId, symbols) => sql.rows(instrumentRow, queries.findMany, [ownerId, symbols as string[]]),
    async define(instrument) {
      const row = await sql.first(instrumentRow, queries.define, [
        instrument.ownerId,
        instrument.symbol,
        instrument.name,
        instrument.assetType,
        instrument.currencyCode,
      ]);
      if (!row) throw new Error('upsert returned no instrument');
      return row;
    },
    async recordPrices(ownerId, prices) {
      await sql.execute(queries.recordPrices, [
        ownerId,
        prices.map((price) => price.symbol),
        prices.map((price) => price.date),
        prices.map((price) => price.close.toFixed()),
      ]);
    },
    pricesUntil: (ownerId, symbols, until) =>
      sql.rows(priceRow, queries.pricesUntil, [ownerId, symbols as string[], until]),
    history: (ownerId, symbol, from, to) => sql.rows(priceRow, queries.history, [ownerId, symbol, from, to]),
  };
}
