/**
 * The application role may forget processed event ids past their retention (the consumers'
 * pruning), so `processed_events` stops growing forever. The audit log itself stays
 * select-and-insert only. The grant is applied at every start by `ensureAppRole`.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function audit_grant_consumer_tables(role_name text) returns void
    language plpgsql security invoker as $$
    begin
      execute format('grant select, insert, delete on processed_events to %I', role_name);
    end;
    $$;
    revoke all on function audit_grant_consumer_tables(text) from public;
  `);
}

export async function down(knex: Knex): Promise<void> {
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
