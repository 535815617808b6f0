/**
 * The event consumer's deduplication table, and the application role's right to use it.
 * The role stays limited to reading and appending: SELECT and INSERT, nothing else.
 */
import type { Knex } from 'knex';
import { createProcessedEventsTable, dropProcessedEventsTable } from '@platform/service-kit/events';

export async function up(knex: Knex): Promise<void> {
  await createProcessedEventsTable(knex);
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
  await dropProcessedEventsTable(knex);
}
