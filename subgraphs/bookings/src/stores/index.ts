/** The subgraph's stores on one connection or transaction, and the outbox of that transaction. */
import { enqueue, type AnyCloudEvent } from '@platform/service-kit/events';
import type { Knex } from 'knex';
import { createBookingStore, type BookingStore } from './booking-store.js';
import { createIdempotencyStore, type IdempotencyStore } from './idempotency-store.js';
import { createInventoryStore, type InventoryStore } from './inventory-store.js';
import { createWaitlistStore, type WaitlistStore } from './waitlist-store.js';

export interface Stores {
  inventory: InventoryStore;
  bookings: BookingStore;
  waitlist: WaitlistStore;
  idempotency: IdempotencyStore;
  /** Records events in the transaction the stores run in (ADR 0002). */
  enqueue(...events: AnyCloudEvent[]): Promise<void>;
}

/** The stores on `db`, which may be a transaction (`enqueue` needs one). */
export function createStores(db: Knex): Stores {
  return {
    inventory: createInventoryStore(db),
    bookings: createBookingStore(db),
    waitlist: createWaitlistStore(db),
    idempotency: createIdempotencyStore(db),
    enqueue: (...events) => enqueue(db as Knex.Transaction, events),
  };
}
