/** `Query.booking`: one of the caller's own bookings. */
import { notFound, requireUserId } from '@platform/service-kit';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';

export const booking: QueryResolvers['booking'] = async (_parent, { id }, context) => {
  const userId = requireUserId(context);
  const found = await context.bookingById.load(id);
  // Someone else's booking is as absent as a missing one: ids are not confirmed to strangers.
  if (!found || found.userId !== userId) throw notFound(`You have no booking ${id}`);
  return found;
};
