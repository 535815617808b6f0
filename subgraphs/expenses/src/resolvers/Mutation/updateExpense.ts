/** `Mutation.updateExpense`: changes one of the caller's expenses. */
import { requireUserId } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const updateExpense: MutationResolvers['updateExpense'] = async (_parent, { input }, context) => {
  const userId = requireUserId(context);
  const expense = await context.expenses.updateExpense({ ...context.actor, userId }, input);
  return { expense };
};
