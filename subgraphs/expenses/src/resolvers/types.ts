/**
 * Resolvers of the object types whose fields are computed or loaded rather than read off the
 * model, and the references other subgraphs make to expenses and budgets.
 */
import type {
  BudgetResolvers,
  CategoryTotalResolvers,
  ExchangeRateResolvers,
  ExpenseResolvers,
  MoneyResolvers,
  RecurringExpenseResolvers,
} from '../__generated__/resolvers-types.js';
import type { Context } from '../context.js';
import { requireFinanceReader } from '../domain/access.js';
import type { ExpenseCategoryModel } from '../mappers.js';

/** The category of an object the caller may read already: loaded once per request. */
async function categoryOf(
  parent: { categoryId: string },
  _args: unknown,
  context: Context,
): Promise<ExpenseCategoryModel> {
  const category = await context.categoryById.load(parent.categoryId);
  if (!category) throw new Error(`category ${parent.categoryId} is missing`);
  return category;
}

export const Money: MoneyResolvers = {
  amount: (money) => money.format(),
};

/**
 * A reference by id, read under the queries' rule: the owner, or finance support (the read
 * recorded for the audit log); null when there is no such id.
 */
async function referenced<T extends { userId: string }>(
  found: T | null,
  context: Context,
  type: 'Expense' | 'Budget',
): Promise<T | null> {
  if (!found) return null;
  await requireFinanceReader(context, found.userId, `${type}.id`);
  return found;
}

export const Expense: ExpenseResolvers = {
  __resolveReference: async (reference, context) =>
    referenced(await context.expenseById.load(reference.id), context, 'Expense'),
  category: categoryOf,
  recurringExpense: (expense, _args, context) =>
    expense.recurringExpenseId ? context.recurringById.load(expense.recurringExpenseId) : null,
};

export const RecurringExpense: RecurringExpenseResolvers = {
  category: categoryOf,
};

export const Budget: BudgetResolvers = {
  __resolveReference: async (reference, context) =>
    referenced(await context.budgetById.load(reference.id), context, 'Budget'),
  category: categoryOf,
  remaining: (budget) => budget.limit.minus(budget.spent),
  // A ratio for display (a fraction, per the contract); the money itself stays exact.
  percentUsed: (budget) => budget.spent.ratioTo(budget.limit)?.toNumber() ?? 0,
  exceeded: (budget) => budget.spent.compare(budget.limit) > 0,
};

export const CategoryTotal: CategoryTotalResolvers = {
  category: categoryOf,
};

export const ExchangeRate: ExchangeRateResolvers = {
  baseCurrencyCode: (rate) => rate.base,
  quoteCurrencyCode: (rate) => rate.quote,
  rate: (rate) => rate.rate.toFixed(),
};
