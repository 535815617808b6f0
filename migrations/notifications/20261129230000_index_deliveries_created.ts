/**
 * The daily pruning of settled deliveries (`notifications.prune-deliveries`) selects them by age
 * across every user: an index on `created_at` keeps it from scanning the whole history.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    `create index if not exists deliveries_settled_created_idx on deliveries (created_at) where state <> 'pending'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists deliveries_settled_created_idx');
}
