/** The blog's stores, bound to the pool or to one transaction. */
import type { Database } from '@platform/service-kit';
import { enqueue, type AnyCloudEvent } from '@platform/service-kit/events';
import type { Knex } from 'knex';
import { createPostStore, type PostStore } from './post-store.js';

export interface Stores {
  posts: PostStore;
  /** Records events of the change under way in its transaction (ADR 0002); refuses outside one. */
  enqueue(...events: AnyCloudEvent[]): Promise<void>;
}

/** Stores on `db`: the pool for reads, a transaction for changes. */
export function createStores(db: Database): Stores {
  return {
    posts: createPostStore(db),
    enqueue: (...events) => enqueue(db as Knex.Transaction, events),
  };
}
