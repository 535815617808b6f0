/**
 * Role-based access control. Permissions come from the generated catalog (synced at every
 * start); roles bundle permissions; users hold roles. `authz_state.version` is bumped in the
 * same transaction as every change to roles, grants or assignments, so the gateway can tell
 * its cached effective permissions are stale by comparing one number.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table if not exists permissions (
      code text primary key,
      description text not null,
      -- The subgraph that declares the permission in its permissions.yaml.
      owner text not null,
      constraint permissions_code_format check (code ~ '^[a-z][a-z0-9]*\\.[a-z][a-z0-9-]*\\.[a-z][a-z0-9-]*$')
    );

    create table if not exists roles (
      id uuid primary key default gen_random_uuid(),
      name text not null,
      description text,
      -- admin, user and guest: created by seeding, never deleted.
      system boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint roles_name_format check (name ~ '^[a-z][a-z0-9_-]{1,49}$'),
      constraint roles_description_length check (char_length(description) <= 500)
    );

    create unique index if not exists roles_name_lower_key on roles (lower(name));

    create table if not exists role_permissions (
      role_id uuid not null references roles (id) on delete cascade,
      -- restrict: a permission still granted is never dropped from the catalog table.
      permission_code text not null references permissions (code) on delete restrict,
      granted_at timestamptz not null default now(),
      primary key (role_id, permission_code)
    );

    create index if not exists role_permissions_permission_code_idx on role_permissions (permission_code);

    create table if not exists user_roles (
      -- identity owns users; the id is opaque here and never joined across databases.
      user_id uuid not null,
      role_id uuid not null references roles (id) on delete cascade,
      assigned_at timestamptz not null default now(),
      primary key (user_id, role_id)
    );

    create index if not exists user_roles_role_id_idx on user_roles (role_id);

    create table if not exists authz_state (
      -- Exactly one row: the primary key can only be true.
      id boolean primary key default true,
      version bigint not null default 0,
      constraint authz_state_single_row check (id)
    );

    insert into authz_state (id, version) values (true, 0) on conflict (id) do nothing;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists authz_state;
    drop table if exists user_roles;
    drop table if exists role_permissions;
    drop table if exists roles;
    drop table if exists permissions;
  `);
}
