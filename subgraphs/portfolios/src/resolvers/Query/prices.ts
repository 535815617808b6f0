/** `Query.prices`: the caller's recorded prices of one symbol over a range. */
import { InputProblems, requireUserId } from '@platform/service-kit';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';
import { normaliseSymbol } from '../../domain/validation.js';

export const prices: QueryResolvers['prices'] = async (_parent, { symbol, from, to }, context) => {
  const userId = requireUserId(context);
  const problems = new InputProblems();
  problems.add('from', from > to ? `must not be after to (${to})` : null);
  problems.throwIfAny();
  return context.stores.instruments.history(userId, normaliseSymbol(symbol), from, to);
};
