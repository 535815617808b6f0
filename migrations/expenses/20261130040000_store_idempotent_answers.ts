/**
 * What a keyed recordExpense answered (the expense as its transaction recorded it), kept on the
 * expense beside its idempotency key, so a retry answers the same even after the expense
 * changed. Null for expenses without a key and for those recorded before answers were stored.
 * The SQL is frozen here.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table expenses add column if not exists idempotent_answer jsonb');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table expenses drop column if exists idempotent_answer');
}
