/** `Mutation.createRecurringExpense`: a rule the periodic job turns into expenses. */
import { requireUserId } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const createRecurringExpense: MutationResolvers['createRecurringExpense'] = async (
  _parent,
  { input },
  context,
) => {
  const recurringExpense = await context.expenses.createRecurring(requireUserId(context), input);
  return { recurringExpense };
};
