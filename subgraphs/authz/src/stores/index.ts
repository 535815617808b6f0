/** The subgraph's stores, bound to the pool or to one transaction. */
import type { Database } from '@platform/service-kit';
import { enqueue, type AnyCloudEvent } from '@platform/service-kit/events';
import type { Knex } from 'knex';
import { createAssignmentStore, type AssignmentStore } from './assignment-store.js';
import { createPermissionStore, type PermissionStore } from './permission-store.js';
import { createRoleStore, type RoleStore } from './role-store.js';
import { createStateStore, type StateStore } from './state-store.js';

/** Events of the change under way, written in its transaction (ADR 0002). */
export interface Outbox {
  /** Records the events; refuses outside a transaction (see `domain/changes.ts`). */
  enqueue(...events: AnyCloudEvent[]): Promise<void>;
}

export interface Stores {
  roles: RoleStore;
  assignments: AssignmentStore;
  permissions: PermissionStore;
  state: StateStore;
  outbox: Outbox;
}

/** Stores on `db`: the pool for reads, a transaction for changes. */
export function createStores(db: Database): Stores {
  return {
    roles: createRoleStore(db),
    assignments: createAssignmentStore(db),
    permissions: createPermissionStore(db),
    state: createStateStore(db),
    outbox: { enqueue: (...events) => enqueue(db as Knex.Transaction, events) },
  };
}
