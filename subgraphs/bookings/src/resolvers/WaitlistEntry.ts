/** `WaitlistEntry`: the offered hold and the ticket type by reference. */
import type { WaitlistEntryResolvers } from '../__generated__/resolvers-types.js';

export const WaitlistEntry: WaitlistEntryResolvers = {
  booking: (entry, _args, context) => (entry.bookingId ? context.bookingById.load(entry.bookingId) : null),
  ticketType: (entry) => ({ id: entry.ticketTypeId }),
};
