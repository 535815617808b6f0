/** `Mutation.createVenue`: a venue owned by the caller. */
import { Permission } from '@platform/service-kit';
import { requireOrganizer } from '../../domain/access.js';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const createVenue: MutationResolvers['createVenue'] = async (_parent, { input }, context) => {
  const organizerId = requireOrganizer(context, Permission.ListingsVenueWrite);
  return { venue: await context.listings.createVenue(context, organizerId, input) };
};
