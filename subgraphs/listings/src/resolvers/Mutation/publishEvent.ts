/** `Mutation.publishEvent`: a draft goes on sale. */
import { Permission } from '@platform/service-kit';
import { requireOrganizer } from '../../domain/access.js';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const publishEvent: MutationResolvers['publishEvent'] = async (_parent, { input }, context) => {
  requireOrganizer(context, Permission.ListingsEventWrite);
  return { event: await context.listings.publishEvent(context, input.id) };
};
