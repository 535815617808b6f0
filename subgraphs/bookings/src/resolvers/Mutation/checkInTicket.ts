/** `Mutation.checkInTicket`: the door scan (the event's organizer, or `bookings.ticket.checkin`). */
import { requireUserId } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const checkInTicket: MutationResolvers['checkInTicket'] = async (_parent, { input }, context) => {
  requireUserId(context);
  return { ticket: await context.bookings.checkIn(context.actor, input.code) };
};
