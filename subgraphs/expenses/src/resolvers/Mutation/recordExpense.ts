/** `Mutation.recordExpense`: an expense of the caller's, converted, once per idempotency key. */
import { requireUserId } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const recordExpense: MutationResolvers['recordExpense'] = async (_parent, { input }, context) => {
  const userId = requireUserId(context);
  const expense = await context.expenses.recordExpense({ ...context.actor, userId }, input);
  return { expense };
};
