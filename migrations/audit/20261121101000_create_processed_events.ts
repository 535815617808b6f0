/**
 * The event consumer's deduplication table, and the application role's right to use it.
 * The role stays limited to reading and appending: SELECT and INSERT, nothing else. The
 * table's SQL is frozen here (every consuming service's migration holds the same), so a
 * later change to the kit cannot change what this migration did.
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
  await knex.raw(`
    create or replace function audit_grant_consumer_tables(role_name text) returns void
    language plpgsql security invoker as $$
    begin
      execute format('grant select, insert on processed_events to %I', role_name);
    end;
    $$;
    revoke all on function audit_grant_consumer_tables(text) from public;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function if exists audit_grant_consumer_tables(text)');
  await knex.raw('drop table if exists processed_events');
}
