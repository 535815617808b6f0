/** `Mutation.publishPost`: the caller's draft or scheduled post, now. */
import { Permission } from '@platform/service-kit';
import { requireWriter } from '../../domain/access.js';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const publishPost: MutationResolvers['publishPost'] = async (_parent, { input }, context) => {
  requireWriter(context, Permission.BlogPostUpdate);
  return { post: await context.posts.publish(context, input.id) };
};
