/** The bookings subgraph's resolver map: one file per field or type, assembled here. */
import { DateTime, DecimalScalar } from '@platform/service-kit';
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { Booking } from './Booking.js';
import { cancelBooking } from './Mutation/cancelBooking.js';
import { checkInTicket } from './Mutation/checkInTicket.js';
import { confirmBooking } from './Mutation/confirmBooking.js';
import { holdTickets } from './Mutation/holdTickets.js';
import { joinWaitlist } from './Mutation/joinWaitlist.js';
import { Payment, Refund } from './Payment.js';
import { booking } from './Query/booking.js';
import { ticketAvailabilityChanged } from './Subscription/ticketAvailabilityChanged.js';
import { TicketType } from './TicketType.js';
import { User } from './User.js';
import { WaitlistEntry } from './WaitlistEntry.js';

export const resolvers: Resolvers = {
  DateTime,
  Decimal: DecimalScalar,
  Query: { booking },
  Mutation: { holdTickets, confirmBooking, cancelBooking, joinWaitlist, checkInTicket },
  Subscription: { ticketAvailabilityChanged },
  Booking,
  Payment,
  Refund,
  TicketType,
  User,
  WaitlistEntry,
};
