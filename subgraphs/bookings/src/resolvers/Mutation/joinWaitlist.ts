/** `Mutation.joinWaitlist`: queues the caller's group for a sold-out ticket type. */
import { requireUserId } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const joinWaitlist: MutationResolvers['joinWaitlist'] = async (_parent, { input }, context) => {
  requireUserId(context);
  return { entry: await context.bookings.joinWaitlist(context.actor, input) };
};
