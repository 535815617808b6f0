/**
 * What resolvers pass around for each GraphQL type, where it differs from the schema type.
 * Codegen turns every `export … <Type>Model` here into a mapper.
 */
import type { Money } from '@platform/service-kit';

export type BookingStatusValue = 'HELD' | 'CONFIRMED' | 'CANCELLED' | 'EXPIRED';
export type WaitlistStatusValue = 'WAITING' | 'OFFERED' | 'ACCEPTED' | 'LAPSED' | 'CANCELLED';

/** A bookings row; payment, refund and tickets load per request through DataLoaders. */
export interface BookingModel {
  id: string;
  userId: string;
  eventId: string;
  ticketTypeId: string;
  quantity: number;
  status: BookingStatusValue;
  total: Money;
  expiresAt: Date;
  createdAt: Date;
  /**
   * The payment, refund and tickets as a keyed mutation's transaction left them, when the
   * booking is that mutation's answer (a retry with its key answers the same); without it
   * they are read as they are now.
   */
  answered?: { payment: PaymentModel | null; refund: RefundModel | null; tickets: TicketModel[] };
}

export interface PaymentModel {
  id: string;
  bookingId: string;
  status: 'SUCCEEDED' | 'REFUNDED';
  amount: Money;
  createdAt: Date;
}

export interface RefundModel {
  id: string;
  bookingId: string;
  status: 'SUCCEEDED';
  amount: Money;
  createdAt: Date;
}

export interface TicketModel {
  id: string;
  bookingId: string;
  code: string;
  checkedInAt: Date | null;
}

export interface WaitlistEntryModel {
  id: string;
  userId: string;
  eventId: string;
  ticketTypeId: string;
  quantity: number;
  status: WaitlistStatusValue;
  /** 1-based among the ticket type's waiting entries; null unless WAITING. */
  position: number | null;
  offerExpiresAt: Date | null;
  bookingId: string | null;
  createdAt: Date;
}

/** A ticket type as bookings knows one: the id (listings resolves the rest). */
export interface TicketTypeModel {
  id: string;
}

/** A user as bookings knows one: the id (identity resolves the rest). */
export interface UserModel {
  id: string;
}

export interface TicketAvailabilityChangeModel {
  eventId: string;
  ticketTypeId: string;
  available: number;
}
