/** `Mutation.recordExchangeRate`: a dated rate expenses are converted at. */
import { Permission, requirePermission } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const recordExchangeRate: MutationResolvers['recordExchangeRate'] = async (_parent, { input }, context) => {
  requirePermission(context, Permission.ExpensesExchangeRateWrite);
  return { exchangeRate: await context.expenses.recordExchangeRate(input) };
};
