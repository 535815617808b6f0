/** `Mutation.updatePost`: title, content or tags of the caller's post (any, for moderators), at the expected version. */
import { Permission } from '@platform/service-kit';
import { requireWriter } from '../../domain/access.js';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const updatePost: MutationResolvers['updatePost'] = async (_parent, { input }, context) => {
  requireWriter(context, Permission.BlogPostUpdate);
  return { post: await context.posts.update(context, input) };
};
