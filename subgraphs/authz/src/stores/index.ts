/** The subgraph's stores, and running several of them in one transaction. */
import type { Database } from '@platform/service-kit';
import { createAssignmentStore, type AssignmentStore } from './assignment-store.js';
import { createPermissionStore, type PermissionStore } from './permission-store.js';
import { createRoleStore, type RoleStore } from './role-store.js';
import { createStateStore, type StateStore } from './state-store.js';

export interface Stores {
  roles: RoleStore;
  assignments: AssignmentStore;
  permissions: PermissionStore;
  state: StateStore;
}

export function createStores(db: Database): Stores {
  return {
    roles: createRoleStore(db),
    assignments: createAssignmentStore(db),
    permissions: createPermissionStore(db),
    state: createStateStore(db),
  };
}

/** Runs `work` with stores bound to one transaction: committed when it resolves, rolled back when it throws. */
export type InTransaction = <T>(work: (stores: Stores) => Promise<T>) => Promise<T>;

export function createInTransaction(db: Database): InTransaction {
  return (work) => db.transaction((trx) => work(createStores(trx)));
}
