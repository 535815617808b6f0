/** `Mutation.deletePost`: the caller's post (any, for moderators), soft-deleted. */
import { Permission } from '@platform/service-kit';
import { requireWriter } from '../../domain/access.js';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const deletePost: MutationResolvers['deletePost'] = async (_parent, { input }, context) => {
  requireWriter(context, Permission.BlogPostDelete);
  await context.posts.delete(context, input.id);
  return { success: true };
};
