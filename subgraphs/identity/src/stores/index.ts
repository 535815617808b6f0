/** The subgraph's stores, and running several of them in one transaction. */
import type { Database } from '@platform/service-kit';
import { createTokenStore, type TokenStore } from './token-store.js';
import { createUserStore, type UserStore } from './user-store.js';

export interface Stores {
  users: UserStore;
  tokens: TokenStore;
}

export function createStores(db: Database): Stores {
  return { users: createUserStore(db), tokens: createTokenStore(db) };
}

/** Runs `work` with stores bound to one transaction: committed when it resolves, rolled back when it throws. */
export type InTransaction = <T>(work: (stores: Stores) => Promise<T>) => Promise<T>;

export function createInTransaction(db: Database): InTransaction {
  return (work) => db.transaction((trx) => work(createStores(trx)));
}
