/** `Mutation.addTicketType`: one more ticket type on the caller's event. */
import { Permission } from '@platform/service-kit';
import { requireOrganizer } from '../../domain/access.js';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const addTicketType: MutationResolvers['addTicketType'] = async (_parent, { input }, context) => {
  requireOrganizer(context, Permission.ListingsEventWrite);
  return { ticketType: await context.listings.addTicketType(context, input.eventId, input.ticketType) };
};
