/** `Mutation.cancelBooking`: releases a held booking or refunds a confirmed one. */
import { requireUserId } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const cancelBooking: MutationResolvers['cancelBooking'] = async (_parent, { input }, context) => {
  requireUserId(context);
  return { booking: await context.bookings.cancel(context.actor, input) };
};
