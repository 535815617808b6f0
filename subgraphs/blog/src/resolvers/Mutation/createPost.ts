/** `Mutation.createPost`: a draft of the caller. */
import { Permission } from '@platform/service-kit';
import { requireWriter } from '../../domain/access.js';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const createPost: MutationResolvers['createPost'] = async (_parent, { input }, context) => {
  const authorId = requireWriter(context, Permission.BlogPostCreate);
  return { post: await context.posts.create(context, authorId, input) };
};
