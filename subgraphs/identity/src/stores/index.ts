/** The subgraph's stores, and running several of them in one transaction. */
import { enqueue, type AnyCloudEvent } from '@platform/service-kit/events';
import type { Knex } from 'knex';
import { createTokenStore, type TokenStore } from './token-store.js';
import { createUserStore, type UserStore } from './user-store.js';

/** Events of the change under way, written in its transaction (ADR 0002). */
export interface Outbox {
  /** Records the events; refuses outside a transaction (`inTransaction`). */
  enqueue(...events: AnyCloudEvent[]): Promise<void>;
}

export interface Stores {
  users: UserStore;
  tokens: TokenStore;
  outbox: Outbox;
}

/** The stores on `db`, which may be a transaction. */
export function createStores(db: Knex): Stores {
  return {
    users: createUserStore(db),
    tokens: createTokenStore(db),
    outbox: { enqueue: (...events) => enqueue(db as Knex.Transaction, events) },
  };
}

/** Runs `work` with stores bound to one transaction: committed when it resolves, rolled back when it throws. */
export type InTransaction = <T>(work: (stores: Stores) => Promise<T>) => Promise<T>;

export function createInTransaction(db: Knex): InTransaction {
  return (work) => db.transaction((trx) => work(createStores(trx)));
}
