/** `Query.post`: a post by any slug it has had, when the caller may see it. */
import { canSee } from '../../domain/access.js';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';

export const post: QueryResolvers['post'] = async (_parent, { slug }, context) => {
  const found = await context.stores.posts.findBySlug(slug.trim().toLowerCase());
  // Someone else's draft does not exist for this caller: null, like a slug nobody has.
  return found && canSee(context, found) ? found : null;
};
