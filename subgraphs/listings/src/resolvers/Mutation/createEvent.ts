/** `Mutation.createEvent`: a draft event organized by the caller, with its ticket types. */
import { Permission } from '@platform/service-kit';
import { requireOrganizer } from '../../domain/access.js';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const createEvent: MutationResolvers['createEvent'] = async (_parent, { input }, context) => {
  const organizerId = requireOrganizer(context, Permission.ListingsEventWrite);
  const event = await context.listings.createEvent(context, organizerId, {
    ...input,
    startsAt: new Date(input.startsAt),
    endsAt: new Date(input.endsAt),
  });
  return { event };
};
