/** The subgraph's stores, and running several of them in one transaction with the outbox. */
import { enqueue, type AnyCloudEvent } from '@platform/service-kit/events';
import type { Knex } from 'knex';
import { createActivityStore, type ActivityStore } from './activity-store.js';
import { createInstrumentStore, type InstrumentStore } from './instrument-store.js';
import { createPortfolioStore, type PortfolioStore } from './portfolio-store.js';
import { createValuationStore, type ValuationStore } from './valuation-store.js';

/** Events of the change under way, written in its transaction (ADR 0002). */
export interface Outbox {
  enqueue(...events: AnyCloudEvent[]): Promise<void>;
}

export interface Stores {
  portfolios: PortfolioStore;
  activities: ActivityStore;
  instruments: InstrumentStore;
  valuations: ValuationStore;
  outbox: Outbox;
}

/** The stores on `db`, which may be a transaction. */
export function createStores(db: Knex): Stores {
  return {
    portfolios: createPortfolioStore(db),
    activities: createActivityStore(db),
    instruments: createInstrumentStore(db),
    valuations: createValuationStore(db),
    outbox: { enqueue: (...events) => enqueue(db as Knex.Transaction, events) },
  };
}

/** Runs `work` with stores bound to one transaction: committed when it resolves, rolled back when it throws. */
export type InTransaction = <T>(work: (stores: Stores) => Promise<T>) => Promise<T>;

export function createInTransaction(db: Knex): InTransaction {
  return (work) => db.transaction((trx) => work(createStores(trx)));
}
