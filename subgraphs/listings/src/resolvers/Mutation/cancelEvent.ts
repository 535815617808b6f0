/** `Mutation.cancelEvent`: the event is off; bookings cancels and refunds its bookings from the event. */
import { Permission } from '@platform/service-kit';
import { requireOrganizer } from '../../domain/access.js';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const cancelEvent: MutationResolvers['cancelEvent'] = async (_parent, { input }, context) => {
  requireOrganizer(context, Permission.ListingsEventWrite);
  return { event: await context.listings.cancelEvent(context, input.id, input.reason) };
};
