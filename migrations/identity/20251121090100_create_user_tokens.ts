/**
 * Single-use tokens sent to a user's mailbox (email verification, password reset). Only
 * the SHA-256 of a token is stored, so a leaked table does not hand out working links.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table if not exists user_tokens (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references users (id) on delete cascade,
      purpose text not null,
      token_hash text not null,
      expires_at timestamptz not null,
      used_at timestamptz,
      created_at timestamptz not null default now(),
      constraint user_tokens_purpose check (purpose in ('email_verification', 'password_reset')),
      constraint user_tokens_token_hash_key unique (token_hash)
    )
  `);
  // Invalidating a user's outstanding tokens looks them up by user and purpose.
  await knex.raw(
    'create index if not exists user_tokens_user_purpose_idx on user_tokens (user_id, purpose) where used_at is null',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists user_tokens');
}
