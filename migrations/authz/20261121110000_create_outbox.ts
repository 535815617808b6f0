/**
 * The transactional outbox (ADR 0002): authz's events are written here in the
 * transaction of the change they record, and the relay publishes them afterwards.
 */
import { createOutboxTables, dropOutboxTables } from '@platform/service-kit/events';
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await createOutboxTables(knex);
}

export async function down(knex: Knex): Promise<void> {
  await dropOutboxTables(knex);
}
