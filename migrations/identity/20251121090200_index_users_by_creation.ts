/**
 * Listing users pages through them in creation order (`created_at`, then `id` for ties);
 * this index serves both the order and the keyset condition of each next page.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index if not exists users_created_at_id_idx on users (created_at, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists users_created_at_id_idx');
}
