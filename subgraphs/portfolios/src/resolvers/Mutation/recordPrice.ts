/** `Mutation.recordPrice`: a day's close (or NAV) of a symbol in the caller's price history. */
import { badUserInput, requireUserId } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { checkPrice, recordPrices } from '../../domain/price-recording.js';

export const recordPrice: MutationResolvers['recordPrice'] = async (_parent, { input }, context) => {
  const ownerId = requireUserId(context);
  const checked = checkPrice({
    symbol: input.symbol,
    date: input.date,
    close: input.close.amount,
    currencyCode: input.close.currencyCode,
  });
  if (checked.problems) {
    throw badUserInput(
      Object.fromEntries(Object.entries(checked.problems).map(([field, problem]) => [`input.${field}`, problem])),
    );
  }
  const { price } = checked;
  const mismatches = await context.inTransaction((stores) => recordPrices(stores, ownerId, [price]));
  const mismatch = mismatches.get(0);
  if (mismatch) throw badUserInput({ 'input.close.currencyCode': mismatch });
  return { price };
};
