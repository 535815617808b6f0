/** `Mutation.setBudget`: creates or replaces the caller's budget for a category and period. */
import { requireUserId } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const setBudget: MutationResolvers['setBudget'] = async (_parent, { input }, context) => {
  const budget = await context.expenses.setBudget(requireUserId(context), input);
  return { budget };
};
