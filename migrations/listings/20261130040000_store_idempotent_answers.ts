/**
 * What a keyed create answered (the venue, or the event with its ticket types, as its
 * transaction left them), so a retry with the key answers the same even after the record
 * changed. Null for keys used before answers were stored. The SQL is frozen here.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table idempotency_keys add column if not exists response jsonb');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table idempotency_keys drop column if exists response');
}
