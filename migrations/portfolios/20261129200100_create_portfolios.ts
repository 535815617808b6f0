/**
 * Portfolios, the instruments and price history of their owners, the activities that make
 * up each portfolio, and the daily valuations the valuation job has done. Quantities,
 * prices and amounts are `numeric` (exact), never float; days are `date` (no time zone).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table if not exists portfolios (
      id uuid primary key default gen_random_uuid(),
      owner_id uuid not null,
      name text not null,
      base_currency text not null check (base_currency ~ '^[A-Z]{3}$'),
      cost_basis_method text not null default 'AVERAGE' check (cost_basis_method in ('AVERAGE', 'FIFO')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index if not exists portfolios_owner_idx on portfolios (owner_id, created_at);

    -- Instruments and prices belong to a user: with no market feed, each user keeps their own
    -- price history, and nobody's prices change anybody else's valuations.
    create table if not exists instruments (
      owner_id uuid not null,
      symbol text not null,
      name text,
      -- Null until an activity names it (a price can be recorded first).
      asset_type text check (asset_type in ('EQUITY', 'ETF', 'MUTUAL_FUND', 'BOND', 'CRYPTO', 'CASH')),
      currency text not null check (currency ~ '^[A-Z]{3}$'),
      primary key (owner_id, symbol)
    );

    create table if not exists prices (
      owner_id uuid not null,
      symbol text not null,
      price_date date not null,
      close numeric not null check (close >= 0),
      primary key (owner_id, symbol, price_date),
      foreign key (owner_id, symbol) references instruments (owner_id, symbol)
    );

    create table if not exists activities (
      id uuid primary key default gen_random_uuid(),
      -- Order of recording: activities of one day apply in this order.
      seq bigint generated always as identity,
      portfolio_id uuid not null references portfolios (id) on delete cascade,
      type text not null check (type in ('BUY', 'SELL', 'DIVIDEND', 'FEE', 'INTEREST', 'SPLIT')),
      symbol text not null,
      quantity numeric not null check (quantity > 0),
      unit_price numeric not null check (unit_price >= 0),
      fee numeric not null check (fee >= 0),
      currency text not null,
      occurred_on date not null,
      idempotency_key text,
      created_at timestamptz not null default now()
    );
    create index if not exists activities_portfolio_idx on activities (portfolio_id, occurred_on, seq);
    create unique index if not exists activities_idempotency_key_idx on activities (portfolio_id, idempotency_key)
      where idempotency_key is not null;

    -- One row per portfolio and day the valuation job valued: a second run (or replica) of
    -- the same day inserts nothing and so publishes nothing.
    create table if not exists portfolio_valuations (
      portfolio_id uuid not null references portfolios (id) on delete cascade,
      valued_on date not null,
      value numeric not null,
      currency text not null,
      created_at timestamptz not null default now(),
      primary key (portfolio_id, valued_on)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists portfolio_valuations, activities, prices, instruments, portfolios');
}
