/**
 * Uploaded files and avatars. A file row is written PENDING when an upload URL is handed out
 * and turns READY only once its bytes are stored and checked; pending rows past `expires_at`
 * are deleted by the cleanup job. An avatar points at one READY AVATAR file of its user.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table if not exists files (
      id uuid primary key,
      owner_id uuid not null,
      purpose text not null check (purpose in ('AVATAR', 'POST_IMAGE')),
      content_type text not null,
      -- The size the client announced: the upload may not be larger (bytes).
      max_size bigint not null check (max_size > 0),
      size bigint,
      -- Where the bytes are in storage: a key per upload attempt, set when the file turns READY.
      storage_key text,
      status text not null default 'PENDING' check (status in ('PENDING', 'READY')),
      expires_at timestamptz not null,
      created_at timestamptz not null default now(),
      ready_at timestamptz
    );
    create index if not exists files_pending_expiry_idx on files (expires_at) where status = 'PENDING';
    create index if not exists files_owner_idx on files (owner_id);

    create table if not exists avatars (
      user_id uuid primary key,
      file_id uuid not null references files (id),
      updated_at timestamptz not null default now()
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists avatars; drop table if exists files');
}
