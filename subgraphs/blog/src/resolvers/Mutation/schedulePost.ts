/** `Mutation.schedulePost`: the caller's post publishes by itself at `publishAt` (a durable job). */
import { Permission } from '@platform/service-kit';
import { requireWriter } from '../../domain/access.js';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const schedulePost: MutationResolvers['schedulePost'] = async (_parent, { input }, context) => {
  requireWriter(context, Permission.BlogPostUpdate);
  return { post: await context.posts.schedule(context, input.id, new Date(input.publishAt)) };
};
