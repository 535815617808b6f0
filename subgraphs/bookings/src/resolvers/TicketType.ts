/** `TicketType.available`: bookings' share of a ticket type, batched per request. */
import type { TicketTypeResolvers } from '../__generated__/resolvers-types.js';

export const TicketType: TicketTypeResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),
  available: (ticketType, _args, context) => context.availableByTicketType.load(ticketType.id),
};
