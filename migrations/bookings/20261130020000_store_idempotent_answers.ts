/**
 * What a keyed mutation answered (the booking with its payment, refund and tickets, as its
 * transaction left them), so a retry with the key answers the same even after the booking
 * changed. Null while the key is in flight. The SQL is frozen here.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table idempotency_keys add column if not exists response jsonb');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table idempotency_keys drop column if exists response');
}
