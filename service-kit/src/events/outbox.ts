/**
 * The transactional outbox: a service records the events of a state change in its own
 * database, in the transaction of the change, and the relay (`relay.ts`) publishes them
 * afterwards. So an event exists exactly when its change committed: a rolled-back
 * transaction leaves no event, and a committed one cannot be lost by a broker being down.
 * Each service's database gets the `outbox` table from its own migration
 * (`migrations/<service>/…_create_outbox.ts`), which holds the SQL; `seq` orders rows as they
 * were written, the order the relay publishes each key's events in; `traceparent` and
 * `tracestate` (a later migration) hold the trace the change was made in.
 */
import { EventEmitter } from 'node:events';
import type { Knex } from 'knex';
import { afterCommit } from '../database.js';
import { eventCatalog, type EventCatalog } from './envelope.js';
import { traceCarrierOf } from '../telemetry/spans.js';
import { topicForType } from './topics.js';
import type { AnyCloudEvent, CloudEvent, EventType } from './types.js';

export const OUTBOX_TABLE = 'outbox';

/**
 * Told when a transaction that enqueued events has committed, so relays in this process
 * publish at once instead of at their next poll (the poll stays, for other processes' rows).
 * The event carries the database the rows are in (see {@link outboxDatabaseOf}): with every
 * service in one process, waking every relay for every commit cost each of them a round
 * (three statements) on a database with nothing new.
 */
export const outboxCommits = new EventEmitter<{ commit: [database: object] }>();
outboxCommits.setMaxListeners(0);

/**
 * What identifies the database of a knex instance or of a transaction on it: knex hands each
 * transaction the configuration object of the instance it was started on.
 */
export function outboxDatabaseOf(db: Knex): object {
  return (db.client as { config: object }).config;
}

/**
 * Records events in the caller's transaction; they are published after it commits, and
 * never if it rolls back. Refuses to run outside a transaction, where an event could
 * outlive a failed change (or the other way round), and refuses invalid events
 * (`EventValidationError`).
 */
export async function enqueue(
  trx: Knex.Transaction,
  events: CloudEvent<EventType> | AnyCloudEvent | readonly (CloudEvent<EventType> | AnyCloudEvent)[],
): Promise<void> {
  if (!(trx as { isTransaction?: boolean }).isTransaction) {
    throw new Error('enqueue() needs the transaction of the state change it records (db.transaction(...))');
  }
  const list = (Array.isArray(events) ? events : [events]) as readonly CloudEvent<EventType>[];
  if (list.length === 0) return;
  // Built by createEvent, these are valid already; checking again keeps a hand-made object
  // from becoming a poison message every consumer dead-letters.
  const catalog: EventCatalog = eventCatalog();
  for (const event of list) catalog.validateEvent(event);
  // The trace of the change (none when not tracing): the relay publishes the events in it.
  const trace = traceCarrierOf();
  await trx(OUTBOX_TABLE).insert(
    list.map((event) => ({
      id: event.id,
      topic: topicForType(event.type),
      key: event.subject,
      payload: JSON.stringify(event),
      traceparent: trace.traceparent ?? null,
      tracestate: trace.tracestate ?? null,
    })),
  );
  afterCommit(trx, () => outboxCommits.emit('commit', outboxDatabaseOf(trx)));
}

/** Unpublished rows: the backlog `outbox_pending` reports. */
export async function countPendingOutbox(db: Knex): Promise<number> {
  const row = (await db(OUTBOX_TABLE).whereNull('published_at').count<{ count: number | string }[]>('* as count'))[0];
  return Number(row?.count ?? 0);
}

/** Deletes rows published more than `olderThanMs` ago; returns how many. */
export async function prunePublishedOutbox(db: Knex, olderThanMs: number): Promise<number> {
  return db(OUTBOX_TABLE)
    .whereNotNull('published_at')
    .andWhere('published_at', '<', db.raw(`now() - make_interval(secs => ?)`, [olderThanMs / 1000]))
    .delete();
}
