/** `Mutation.archivePost`: the caller's published post leaves the public. */
import { Permission } from '@platform/service-kit';
import { requireWriter } from '../../domain/access.js';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const archivePost: MutationResolvers['archivePost'] = async (_parent, { input }, context) => {
  requireWriter(context, Permission.BlogPostUpdate);
  return { post: await context.posts.archive(context, input.id) };
};
