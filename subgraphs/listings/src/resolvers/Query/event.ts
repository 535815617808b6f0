/** `Query.event`: an event the caller may see (someone else's draft reads as null, like a missing one). */
import { canSee } from '../../domain/access.js';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';

export const event: QueryResolvers['event'] = async (_parent, { id }, context) => {
  const found = await context.eventById.load(id);
  return found && canSee(context, found) ? found : null;
};
