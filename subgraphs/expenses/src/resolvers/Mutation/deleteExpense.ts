/** `Mutation.deleteExpense`: deletes one of the caller's expenses. */
import { requireUserId } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const deleteExpense: MutationResolvers['deleteExpense'] = async (_parent, { input }, context) => {
  const userId = requireUserId(context);
  return { deletedExpenseId: await context.expenses.deleteExpense({ ...context.actor, userId }, input.id) };
};
