/**
 * Expenses' fields of `User`. Identity owns users; here a user is its id. Every field is the
 * user's own finances: readable by the user, or by finance support (each read audited).
 */
import { badUserInput } from '@platform/service-kit';
import type { UserResolvers } from '../__generated__/resolvers-types.js';
import { decodeExpenseCursor, encodeExpenseCursor } from '../domain/cursors.js';
import { requireFinanceReader } from '../domain/access.js';
import { isUuid } from '../domain/validation.js';

const MAX_PAGE = 100;

export const User: UserResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),
  expenseSettings: async (user, _args, context) => {
    await requireFinanceReader(context, user.id, 'User.expenseSettings');
    return context.expenses.settingsOf(user.id);
  },
  expenseCategories: async (user, _args, context) => {
    await requireFinanceReader(context, user.id, 'User.expenseCategories');
    return context.expenses.stores.users.categories(user.id);
  },
  expenses: async (user, { first, after, filter }, context) => {
    if (first < 1 || first > MAX_PAGE) throw badUserInput({ first: `must be 1 to ${MAX_PAGE}` });
    const position = after == null ? null : decodeExpenseCursor(after);
    if (after != null && !position) throw badUserInput({ after: 'is not a cursor of this list' });
    if (filter?.categoryId != null && !isUuid(filter.categoryId)) {
      throw badUserInput({ 'filter.categoryId': 'is not a category id' });
    }
    await requireFinanceReader(context, user.id, 'User.expenses');
    const rows = await context.expenses.listExpenses(
      user.id,
      {
        ...(filter?.categoryId ? { categoryId: filter.categoryId.toLowerCase() } : {}),
        ...(filter?.from ? { from: filter.from } : {}),
        ...(filter?.to ? { to: filter.to } : {}),
        ...(filter?.tag ? { tag: filter.tag.trim().toLowerCase() } : {}),
      },
      position,
      first + 1,
    );
    const page = rows.slice(0, first);
    const edges = page.map((node) => ({ cursor: encodeExpenseCursor(node), node }));
    return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
  },
  budgets: async (user, _args, context) => {
    await requireFinanceReader(context, user.id, 'User.budgets');
    return context.expenses.budgets(user.id);
  },
  recurringExpenses: async (user, _args, context) => {
    await requireFinanceReader(context, user.id, 'User.recurringExpenses');
    return context.expenses.stores.recurring.ofUser(user.id);
  },
  expenseReport: async (user, { from, to }, context) => {
    await requireFinanceReader(context, user.id, 'User.expenseReport');
    return context.expenses.report(user.id, from, to);
  },
};
