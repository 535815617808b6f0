/**
 * The trace an event was written in (W3C trace context), so the relay publishes the event as
 * part of that trace (the CloudEvents `traceparent` extension) and its consumers continue it.
 * Null when the change was not traced. The SQL is frozen here, as in every outbox migration.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table outbox add column if not exists traceparent text;
    alter table outbox add column if not exists tracestate text;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table outbox drop column if exists tracestate, drop column if exists traceparent');
}
