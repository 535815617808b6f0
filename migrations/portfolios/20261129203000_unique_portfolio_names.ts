/**
 * A user's portfolio names are unique (case-insensitively): a retried CreatePortfolio, which
 * the contract sends without an idempotency key, is refused instead of creating a twin.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('create unique index if not exists portfolios_owner_name_key on portfolios (owner_id, lower(name))');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists portfolios_owner_name_key');
}
