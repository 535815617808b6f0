/** `Mutation.holdTickets`: reserves seats for the caller (see `BookingService.hold`). */
import { requireUserId } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const holdTickets: MutationResolvers['holdTickets'] = async (_parent, { input }, context) => {
  requireUserId(context);
  return { booking: await context.bookings.hold(context.actor, input) };
};
