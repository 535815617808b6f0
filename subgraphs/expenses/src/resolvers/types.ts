/** Resolvers of the object types whose fields are computed or loaded rather than read off the model. */
import type {
  BudgetResolvers,
  CategoryTotalResolvers,
  ExchangeRateResolvers,
  ExpenseResolvers,
  MoneyResolvers,
  RecurringExpenseResolvers,
} from '../__generated__/resolvers-types.js';
import type { Context } from '../context.js';
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

export const Expense: ExpenseResolvers = {
  category: categoryOf,
  recurringExpense: (expense, _args, context) =>
    expense.recurringExpenseId ? context.recurringById.load(expense.recurringExpenseId) : null,
};

export const RecurringExpense: RecurringExpenseResolvers = {
  category: categoryOf,
};

export const Budget: BudgetResolvers = {
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
