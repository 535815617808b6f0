/**
 * The transactional outbox (ADR 0002): media's events are written here in the
 * transaction of the change they record, and the relay publishes them afterwards.
 * The SQL is frozen here (every service's outbox migration holds the same), so a later
 * change to the kit cannot change what this migration did.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table if not exists outbox (
      -- The CloudEvents id: enqueueing one event twice is a primary-key violation, not a duplicate.
      id uuid primary key,
      seq bigint generated always as identity,
      topic text not null,
      key text not null,
      payload jsonb not null,
      created_at timestamptz not null default now(),
      -- Not published before this time: the relay's back-off after a failed publish.
      available_at timestamptz not null default now(),
      attempts integer not null default 0,
      last_error text,
      published_at timestamptz
    );

    create index if not exists outbox_unpublished_idx on outbox (seq) where published_at is null;
    create index if not exists outbox_unpublished_key_idx on outbox (key, seq) where published_at is null;
    create index if not exists outbox_published_at_idx on outbox (published_at) where published_at is not null;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists outbox');
}
