/** `Event.sales`: the event's figures for its organizer or an analytics reader; null for an event not known yet. */
import type { EventResolvers } from '../__generated__/resolvers-types.js';
import { requireSalesReader } from '../domain/access.js';
import { salesOf } from '../domain/sales.js';

export const Event: EventResolvers = {
  async sales(event, _args, context) {
    const facts = await context.eventFacts.load(event.id);
    if (!facts) return null;
    requireSalesReader(context, facts);
    return salesOf(context, facts);
  },
};
