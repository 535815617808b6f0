/** The subgraph's stores, bound to the pool or to one transaction. */
import type { Database } from '@platform/service-kit';
import type { Knex } from 'knex';
import { createBudgetStore, type BudgetStore } from './budget-store.js';
import { createExpenseStore, type ExpenseStore } from './expense-store.js';
import { createRateStore, type RateStore } from './rate-store.js';
import { createRecurringStore, type RecurringStore } from './recurring-store.js';
import { createUserStore, type UserStore } from './user-store.js';

export interface Stores {
  users: UserStore;
  rates: RateStore;
  expenses: ExpenseStore;
  budgets: BudgetStore;
  recurring: RecurringStore;
}

/** Stores on `db`: the pool for reads, a transaction for changes. */
export function createStores(db: Database | Knex.Transaction): Stores {
  return {
    users: createUserStore(db),
    rates: createRateStore(db),
    expenses: createExpenseStore(db),
    budgets: createBudgetStore(db),
    recurring: createRecurringStore(db),
  };
}
