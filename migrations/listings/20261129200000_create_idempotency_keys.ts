/**
 * Idempotency keys of the create mutations: a retry with the same key and caller returns what
 * the first request created instead of creating it twice. `request_hash` tells a retry from a
 * different request that reuses the key.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table if not exists idempotency_keys (
      organizer_id uuid not null,
      operation text not null,
      key text not null,
      request_hash text not null,
      -- The venue or event the first request created.
      result_id uuid not null,
      created_at timestamptz not null default now(),
      primary key (organizer_id, operation, key)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists idempotency_keys');
}
