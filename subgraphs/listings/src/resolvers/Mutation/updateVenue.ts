/** `Mutation.updateVenue`: the caller's venue (or any, for managers). */
import { Permission } from '@platform/service-kit';
import { requireOrganizer } from '../../domain/access.js';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const updateVenue: MutationResolvers['updateVenue'] = async (_parent, { input }, context) => {
  requireOrganizer(context, Permission.ListingsVenueWrite);
  return { venue: await context.listings.updateVenue(context, input) };
};
