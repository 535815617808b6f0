/** `Mutation.updateTicketType`: name, capacity (lowering a published one asks bookings) or a draft's price. */
import { Permission } from '@platform/service-kit';
import { requireOrganizer } from '../../domain/access.js';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const updateTicketType: MutationResolvers['updateTicketType'] = async (_parent, { input }, context) => {
  requireOrganizer(context, Permission.ListingsEventWrite);
  return { ticketType: await context.listings.updateTicketType(context, input) };
};
