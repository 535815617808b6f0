/**
 * Users of the platform. Emails are stored normalised (trimmed, lower-cased) and unique
 * case-insensitively, so two spellings of one address can never both register.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table if not exists users (
      id uuid primary key default gen_random_uuid(),
      email text not null,
      name text not null,
      password_hash text not null,
      email_verified_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint users_email_normalised check (email = lower(btrim(email))),
      constraint users_email_length check (char_length(email) between 3 and 254),
      constraint users_name_length check (char_length(name) between 1 and 100)
    )
  `);
  await knex.raw('create unique index if not exists users_email_lower_key on users (lower(email))');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists users');
}
