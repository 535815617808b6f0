/**
 * The event consumer's deduplication table. Its SQL is frozen here (every consuming service's
 * migration holds the same), so a later change to the kit cannot change what this migration did.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table if not exists processed_events (
      consumer text not null,
      event_id uuid not null,
      processed_at timestamptz not null default now(),
      primary key (consumer, event_id)
    );
    create index if not exists processed_events_processed_at_idx on processed_events (processed_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists processed_events');
}
