/**
 * What resolvers pass around for each GraphQL type, where it differs from the schema type.
 * Codegen turns every `export … <Type>Model` here into a mapper.
 */
import type { Money } from '@platform/service-kit';

/** What an organizer decided; `ENDED` is derived when reading (see `domain/status.ts`). */
export type StoredEventStatus = 'DRAFT' | 'PUBLISHED' | 'CANCELLED';

export interface VenueModel {
  id: string;
  organizerId: string;
  name: string;
  address: string;
  city: string;
  countryCode: string;
  timeZone: string;
  capacity: number;
  latitude: number | null;
  longitude: number | null;
}

export interface EventModel {
  id: string;
  organizerId: string;
  venueId: string;
  title: string;
  description: string;
  category: string;
  status: StoredEventStatus;
  startsAt: Date;
  endsAt: Date;
  version: number;
  cancellationReason: string | null;
  publishedAt: Date | null;
  /**
   * The ticket types as a keyed createEvent's transaction left them, when the event is that
   * mutation's answer (a retry with its key answers the same); without it they are read as
   * they are now.
   */
  answered?: { ticketTypes: TicketTypeModel[] };
}

export interface TicketTypeModel {
  id: string;
  eventId: string;
  name: string;
  capacity: number;
  price: Money;
}

/** A user as listings knows one: only the id; identity owns everything else. */
export interface UserModel {
  id: string;
}

/** Money as the kit's value type: `amount` is written at the currency's minor unit by the `Money` resolver. */
export type MoneyModel = Money;
