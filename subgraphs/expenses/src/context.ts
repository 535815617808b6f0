/**
 * What expenses resolvers get per request: the kit's base context, the expenses service, the
 * database (for recording support reads), the caller as the author of changes, and per-request
 * DataLoaders so N categories or rules cost one query.
 */
import type { BaseContext, Database } from '@platform/service-kit';
import { requestContextOf } from '@platform/service-kit/events';
import DataLoader from 'dataloader';
import { loaderCache } from '@platform/service-kit';
import type { ExpensesService } from './domain/expenses.js';
import type { Actor } from './domain/events.js';
import { isUuid } from './domain/validation.js';
import type { BudgetModel, ExpenseCategoryModel, ExpenseModel, RecurringExpenseModel } from './mappers.js';

export interface Context extends BaseContext {
  expenses: ExpensesService;
  db: Database;
  categoryById: DataLoader<string, ExpenseCategoryModel | null>;
  recurringById: DataLoader<string, RecurringExpenseModel | null>;
  expenseById: DataLoader<string, ExpenseModel | null>;
  /** Budgets in their owners' current periods, for references from other subgraphs. */
  budgetById: DataLoader<string, BudgetModel | null>;
  /** The caller as the author of a change (events' actorId and request context). */
  actor: Actor;
}

function byId<V extends { id: string }>(
  name: string,
  load: (ids: string[]) => Promise<V[]>,
): DataLoader<string, V | null> {
  return new DataLoader<string, V | null>(
    async (keys) => {
      const ids = [...new Set(keys.filter(isUuid).map((key) => key.toLowerCase()))];
      const found = new Map((ids.length > 0 ? await load(ids) : []).map((value) => [value.id, value]));
      return keys.map((key) => found.get(key.toLowerCase()) ?? null);
    },
    { cacheMap: loaderCache(name) },
  );
}

export function createContextFactory(services: { expenses: ExpensesService; db: Database }) {
  const { stores } = services.expenses;
  return (base: BaseContext): Context => ({
    ...base,
    ...services,
    categoryById: byId('categoryById', (ids) => stores.users.categoriesByIds(ids)),
    recurringById: byId('recurringById', (ids) => stores.recurring.findManyByIds(ids)),
    expenseById: byId('expenseById', (ids) => stores.expenses.findManyByIds(ids)),
    budgetById: byId('budgetById', (ids) => services.expenses.budgetsByIds(ids)),
    actor: { userId: base.caller.userId, context: requestContextOf(base) },
  });
}
