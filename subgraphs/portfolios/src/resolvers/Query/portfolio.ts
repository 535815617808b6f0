/** `Query.portfolio`: one of the caller's portfolios; null for anyone else's, so existence is not revealed. */
import { requireUserId } from '@platform/service-kit';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';

export const portfolio: QueryResolvers['portfolio'] = async (_parent, { id }, context) => {
  const userId = requireUserId(context);
  const found = await context.portfolioById.load(id);
  return found && found.ownerId === userId ? found : null;
};
