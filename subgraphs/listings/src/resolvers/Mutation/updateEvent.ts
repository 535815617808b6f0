/** `Mutation.updateEvent`: the details of the caller's event (or any, for managers). */
import { Permission } from '@platform/service-kit';
import { requireOrganizer } from '../../domain/access.js';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

const instant = (value: Date | string | null | undefined) =>
  value === null || value === undefined ? value : new Date(value);

export const updateEvent: MutationResolvers['updateEvent'] = async (_parent, { input }, context) => {
  requireOrganizer(context, Permission.ListingsEventWrite);
  const event = await context.listings.updateEvent(context, {
    ...input,
    startsAt: instant(input.startsAt),
    endsAt: instant(input.endsAt),
  });
  return { event };
};
