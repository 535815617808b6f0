/**
 * `Subscription.ticketAvailabilityChanged`: availability changes of one event, from the
 * replica's live feed. Anyone may follow a published event (a seat map); its organizer also
 * a draft.
 */
import { notFound } from '@platform/service-kit';
import type { SubscriptionResolvers } from '../../__generated__/resolvers-types.js';
import { isUuid } from '../../domain/ids.js';
import type { TicketAvailabilityChangeModel } from '../../mappers.js';

export const ticketAvailabilityChanged: SubscriptionResolvers['ticketAvailabilityChanged'] = {
  subscribe: async (_parent, { eventId }, context) => {
    const event = isUuid(eventId) ? await context.stores.inventory.event(eventId.toLowerCase()) : undefined;
    const visible = event && (event.status !== 'DRAFT' || event.organizerId === context.caller.userId);
    if (!event || !visible) throw notFound(`There is no published event ${eventId}`);
    return context.feed.subscribe(event.id);
  },
  // The feed yields the changes themselves, not `{ ticketAvailabilityChanged }` payloads.
  resolve: (change: TicketAvailabilityChangeModel) => change,
};
