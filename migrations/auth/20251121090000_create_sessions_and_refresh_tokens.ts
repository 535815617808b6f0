/**
 * Sessions and their refresh tokens. A session is one sign-in on one device; each refresh
 * rotates its token, so a session owns a chain of refresh tokens of which at most one is
 * unused. Tokens are stored only as SHA-256 hashes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table if not exists sessions (
      id uuid primary key,
      -- identity owns users; the id is opaque here and never joined across databases.
      user_id text not null,
      created_at timestamptz not null default now(),
      last_used_at timestamptz not null default now(),
      -- Slides forward on every refresh: the expiry of the session's current refresh token.
      expires_at timestamptz not null,
      revoked_at timestamptz,
      revoked_reason text,
      user_agent text,
      ip_address text
    );

    create index if not exists sessions_user_id_active_idx on sessions (user_id) where revoked_at is null;

    create table if not exists refresh_tokens (
      id uuid primary key,
      session_id uuid not null references sessions (id) on delete cascade,
      token_hash text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      -- Set when the token is rotated; a second use of a used token is a replay.
      used_at timestamptz,
      revoked_at timestamptz,
      constraint refresh_tokens_token_hash_key unique (token_hash),
      constraint refresh_tokens_token_hash_format check (token_hash ~ '^[0-9a-f]{64}$')
    );

    create index if not exists refresh_tokens_session_id_idx on refresh_tokens (session_id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists refresh_tokens;
    drop table if exists sessions;
  `);
}
