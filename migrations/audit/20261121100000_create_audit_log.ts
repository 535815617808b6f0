/**
 * The audit log: an append-only, hash-chained table. Each row stores
 * `hash = sha256(previous_hash || canonical row)`, so changing or removing any row breaks
 * the chain from there on (`verifyAuditChain`). The database itself refuses UPDATE, DELETE
 * and TRUNCATE (triggers, even for the owner), and the service works as a role that may only
 * SELECT and INSERT: `audit_ensure_app_role(name, password)`, defined here and called by the
 * service right after migrating, because a role's name and password are configuration
 * (knex migrations take no parameters, and a password never belongs in a migration file).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table if not exists audit_log (
      id uuid primary key default gen_random_uuid(),
      -- The position in the chain: 1, 2, 3… with no gaps, assigned under the append lock.
      seq bigint not null,
      -- The CloudEvents id: a redelivered event is recorded once.
      event_id uuid not null,
      -- The CloudEvents source of the event, for example /platform/identity.
      source text,
      -- identity owns users; the id is opaque here and never joined across databases.
      actor_id uuid,
      action text not null,
      outcome text not null,
      target_type text,
      target_id text,
      occurred_at timestamptz not null,
      recorded_at timestamptz not null,
      source_ip text,
      user_agent text,
      request_id text,
      trace_id text,
      metadata jsonb not null default '{}'::jsonb,
      -- Hex sha256; the first row's previous hash is 64 zeros.
      previous_hash text not null,
      hash text not null,
      constraint audit_log_seq_key unique (seq),
      constraint audit_log_event_id_key unique (event_id),
      constraint audit_log_hash_key unique (hash),
      -- A hash is the predecessor of at most one row: a writer that skipped the append lock
      -- cannot fork the chain, its insert fails instead.
      constraint audit_log_previous_hash_key unique (previous_hash),
      constraint audit_log_seq_positive check (seq > 0),
      constraint audit_log_outcome check (outcome in ('SUCCESS', 'FAILURE', 'DENIED')),
      constraint audit_log_action_format check (action ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$'),
      constraint audit_log_hash_format check (hash ~ '^[0-9a-f]{64}$'),
      constraint audit_log_previous_hash_format check (previous_hash ~ '^[0-9a-f]{64}$'),
      constraint audit_log_metadata_object check (jsonb_typeof(metadata) = 'object')
    );

    -- The listing order (newest first) and its filters.
    create index if not exists audit_log_occurred_at_idx on audit_log (occurred_at desc, seq desc);
    create index if not exists audit_log_actor_idx on audit_log (actor_id, occurred_at desc) where actor_id is not null;
    create index if not exists audit_log_action_idx on audit_log (action, occurred_at desc);
    create index if not exists audit_log_target_idx on audit_log (target_type, target_id);

    create or replace function audit_log_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only: % is not allowed', tg_op
        using errcode = 'insufficient_privilege',
              hint = 'audit records are never changed or removed';
    end;
    $$;

    -- Per statement, so even a statement that matches no row is refused.
    drop trigger if exists audit_log_no_update on audit_log;
    create trigger audit_log_no_update before update on audit_log
      for each statement execute function audit_log_refuse_change();
    drop trigger if exists audit_log_no_delete on audit_log;
    create trigger audit_log_no_delete before delete on audit_log
      for each statement execute function audit_log_refuse_change();
    drop trigger if exists audit_log_no_truncate on audit_log;
    create trigger audit_log_no_truncate before truncate on audit_log
      for each statement execute function audit_log_refuse_change();

    revoke all on audit_log from public;

    -- Creates or updates the application role: it logs in with the given password and may
    -- only read and append to audit_log. Run as the database owner (who needs CREATEROLE).
    create or replace function audit_ensure_app_role(role_name text, role_password text) returns void
    language plpgsql as $$
    begin
      if role_name !~ '^[a-z_][a-z0-9_]{0,62}$' then
        raise exception 'invalid audit application role name %', role_name;
      end if;
      if length(coalesce(role_password, '')) < 16 then
        raise exception 'the audit application role needs a password of at least 16 characters';
      end if;
      begin
        execute format('create role %I with login nosuperuser nocreatedb nocreaterole noinherit noreplication nobypassrls password %L',
          role_name, role_password);
      exception when duplicate_object then
        -- It exists (an earlier start, or a replica starting alongside). Only LOGIN and the
        -- password are changed: the other attributes need a superuser to change, even to off.
        execute format('alter role %I with login password %L', role_name, role_password);
      end;
      if exists (select 1 from pg_roles where rolname = role_name and (rolsuper or rolbypassrls)) then
        raise exception 'the audit application role % is a superuser or bypasses row security: use a role that is not', role_name;
      end if;
      -- Nothing but what the service needs, whatever was granted before.
      execute format('revoke all on all tables in schema public from %I', role_name);
      execute format('revoke all on all sequences in schema public from %I', role_name);
      execute format('revoke all on all functions in schema public from %I', role_name);
      execute format('revoke create on schema public from %I', role_name);
      execute format('grant usage on schema public to %I', role_name);
      execute format('grant select, insert on audit_log to %I', role_name);
    end;
    $$;

    revoke all on function audit_ensure_app_role(text, text) from public;
  `);
}

export async function down(knex: Knex): Promise<void> {
  // Dropping the table is an owner's decision the triggers cannot prevent; the role stays
  // (roles belong to the cluster, and may own grants in other databases).
  await knex.raw(`
    drop function if exists audit_ensure_app_role(text, text);
    drop table if exists audit_log;
    drop function if exists audit_log_refuse_change();
  `);
}
