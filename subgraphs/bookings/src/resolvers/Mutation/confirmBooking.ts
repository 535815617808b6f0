/** `Mutation.confirmBooking`: pays for a held booking and issues its tickets. */
import { requireUserId } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const confirmBooking: MutationResolvers['confirmBooking'] = async (_parent, { input }, context) => {
  requireUserId(context);
  return { booking: await context.bookings.confirm(context.actor, input) };
};
