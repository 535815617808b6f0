/**
 * `Booking`: its payment, refund and tickets through per-request DataLoaders, or as a keyed
 * mutation answered them (`answered`); others refer to it by id.
 */
import type { BookingResolvers } from '../__generated__/resolvers-types.js';

export const Booking: BookingResolvers = {
  // Only its holder reads a booking: a reference from elsewhere resolves for them alone.
  __resolveReference: async (reference, context) => {
    const booking = await context.bookingById.load(reference.id);
    return booking && booking.userId === context.caller.userId ? booking : null;
  },
  expiresAt: (booking) => (booking.status === 'HELD' ? booking.expiresAt : null),
  total: (booking) => booking.total.toJSON(),
  payment: (booking, _args, context) =>
    booking.answered ? booking.answered.payment : context.paymentByBooking.load(booking.id),
  refund: (booking, _args, context) =>
    booking.answered ? booking.answered.refund : context.refundByBooking.load(booking.id),
  tickets: (booking, _args, context) =>
    booking.answered ? booking.answered.tickets : context.ticketsByBooking.load(booking.id),
  event: (booking) => ({ id: booking.eventId }),
  ticketType: (booking) => ({ id: booking.ticketTypeId }),
};
