/**
 * The expenses domain: per-user settings, categories, dated exchange rates, recurring rules,
 * expenses, budgets and the alerts a budget already raised in a period. Money is `numeric`
 * beside its ISO 4217 code, never a float; days are `date` (calendar days, no time zone).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table if not exists expense_settings (
      user_id uuid primary key,
      base_currency text not null,
      time_zone text not null,
      updated_at timestamptz not null default now()
    );

    create table if not exists categories (
      id uuid primary key,
      user_id uuid not null,
      name text not null,
      is_default boolean not null default false,
      created_at timestamptz not null default now()
    );
    -- A name is unique per user whatever its letter case ("Food" and "food" are one category).
    create unique index if not exists categories_user_name_idx on categories (user_id, lower(name));

    create table if not exists exchange_rates (
      base_currency text not null,
      quote_currency text not null,
      rate_date date not null,
      rate numeric not null check (rate > 0),
      recorded_at timestamptz not null default now(),
      primary key (base_currency, quote_currency, rate_date)
    );

    create table if not exists recurring_expenses (
      id uuid primary key,
      user_id uuid not null,
      category_id uuid not null references categories (id),
      amount numeric not null,
      currency text not null,
      description text not null,
      tags text[] not null default '{}',
      frequency text not null check (frequency in ('WEEKLY', 'MONTHLY_ON_DAY', 'MONTHLY_LAST_DAY', 'YEARLY')),
      day_of_month integer check (day_of_month between 1 and 31),
      weekend_policy text not null check (weekend_policy in ('KEEP', 'PREVIOUS_BUSINESS_DAY', 'NEXT_BUSINESS_DAY')),
      starts_on date not null,
      ends_on date,
      -- The last scheduled day already materialized: the job starts after it.
      materialized_through date,
      created_at timestamptz not null default now()
    );
    create index if not exists recurring_expenses_user_idx on recurring_expenses (user_id);

    create table if not exists expenses (
      id uuid primary key,
      user_id uuid not null,
      category_id uuid not null references categories (id),
      amount numeric not null,
      currency text not null,
      converted_amount numeric not null,
      converted_currency text not null,
      -- Units of converted_currency per unit of currency; null when no conversion was needed.
      exchange_rate numeric,
      spent_on date not null,
      description text not null,
      tags text[] not null default '{}',
      idempotency_key text,
      -- What the first request with idempotency_key asked for, to tell a retry from a different input.
      request_fingerprint text,
      recurring_expense_id uuid references recurring_expenses (id),
      -- The scheduled day (before the weekend shift) of a materialized recurring expense.
      occurrence_on date,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create unique index if not exists expenses_idempotency_idx on expenses (user_id, idempotency_key)
      where idempotency_key is not null;
    create unique index if not exists expenses_occurrence_idx on expenses (recurring_expense_id, occurrence_on)
      where recurring_expense_id is not null;
    create index if not exists expenses_user_spent_on_idx on expenses (user_id, spent_on desc, id desc);
    create index if not exists expenses_category_spent_on_idx on expenses (category_id, spent_on);

    create table if not exists budgets (
      id uuid primary key,
      user_id uuid not null,
      category_id uuid not null references categories (id),
      period text not null check (period in ('WEEKLY', 'MONTHLY', 'YEARLY')),
      limit_amount numeric not null check (limit_amount > 0),
      limit_currency text not null,
      thresholds_percent integer[] not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (user_id, category_id, period)
    );

    -- One row per alert a budget raised in a period: the primary key makes each alert happen once.
    create table if not exists budget_alerts (
      budget_id uuid not null references budgets (id) on delete cascade,
      period_start date not null,
      kind text not null check (kind in ('THRESHOLD', 'EXCEEDED')),
      -- The threshold crossed; 100 for EXCEEDED (more than the limit).
      threshold_percent integer not null,
      raised_at timestamptz not null default now(),
      primary key (budget_id, period_start, kind, threshold_percent)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists budget_alerts;
    drop table if exists budgets;
    drop table if exists expenses;
    drop table if exists recurring_expenses;
    drop table if exists exchange_rates;
    drop table if exists categories;
    drop table if exists expense_settings;
  `);
}
