/** `Mutation.updateExpenseSettings`: the caller's base currency and time zone. */
import { requireUserId } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const updateExpenseSettings: MutationResolvers['updateExpenseSettings'] = async (
  _parent,
  { input },
  context,
) => {
  const settings = await context.expenses.updateSettings(requireUserId(context), input);
  return { settings };
};
