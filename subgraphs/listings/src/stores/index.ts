/** The subgraph's stores, bound to the pool or to one transaction. */
import type { Database } from '@platform/service-kit';
import { enqueue, type AnyCloudEvent } from '@platform/service-kit/events';
import type { Knex } from 'knex';
import { createEventStore, type EventStore } from './event-store.js';
import { createIdempotencyStore, type IdempotencyStore } from './idempotency-store.js';
import { createVenueStore, type VenueStore } from './venue-store.js';

export interface Stores {
  venues: VenueStore;
  events: EventStore;
  idempotency: IdempotencyStore;
  /** Records events of the change under way in its transaction (ADR 0002); refuses outside one. */
  enqueue(...events: AnyCloudEvent[]): Promise<void>;
}

/** Stores on `db`: the pool for reads, a transaction for changes. */
export function createStores(db: Database): Stores {
  return {
    venues: createVenueStore(db),
    events: createEventStore(db),
    idempotency: createIdempotencyStore(db),
    enqueue: (...events) => enqueue(db as Knex.Transaction, events),
  };
}
