/** `Money`: the amount written at its currency's minor unit (`"12.50"`, never `"12.5"`). */
import type { MoneyResolvers } from '../__generated__/resolvers-types.js';

export const Money: MoneyResolvers = {
  amount: (money) => money.format(),
  currencyCode: (money) => money.currencyCode,
};
