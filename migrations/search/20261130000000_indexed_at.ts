/**
 * When each indexed row was last written. A rebuild of the index from listings removes the
 * rows listings no longer has, but only those written before the rebuild began: an event the
 * consumer indexed meanwhile is newer than the pages the rebuild read. Frozen SQL.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table search_events add column if not exists indexed_at timestamptz not null default now()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`alter table search_events drop column if exists indexed_at`);
}
