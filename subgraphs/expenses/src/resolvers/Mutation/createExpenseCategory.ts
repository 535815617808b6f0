/** `Mutation.createExpenseCategory`: a category of the caller's own. */
import { requireUserId } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const createExpenseCategory: MutationResolvers['createExpenseCategory'] = async (
  _parent,
  { input },
  context,
) => {
  const category = await context.expenses.createCategory(requireUserId(context), input.name);
  return { category };
};
