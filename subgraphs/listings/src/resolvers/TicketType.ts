/** `TicketType`: referenced by id (batched), visible when its event is; its event. */
import { canSee } from '../domain/access.js';
import type { TicketTypeResolvers } from '../__generated__/resolvers-types.js';

export const TicketType: TicketTypeResolvers = {
  __resolveReference: async (reference, context) => {
    const ticketType = await context.ticketTypeById.load(reference.id);
    if (!ticketType) return null;
    const event = await context.eventById.load(ticketType.eventId);
    return event && canSee(context, event) ? ticketType : null;
  },
  event: async (ticketType, _args, context) => (await context.eventById.load(ticketType.eventId))!,
};
