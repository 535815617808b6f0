/**
 * The snapshots listings' domain events carry (events/catalog/platform.listings.*): the whole
 * venue or event as it is after the change, so a consumer (bookings, search) upserts it
 * without asking us, and ignores one whose `version` is older than what it holds.
 */
import type { EventDataByType } from '@platform/service-kit/events';
import type { EventModel, TicketTypeModel, VenueModel } from '../mappers.js';

type EventSnapshot = EventDataByType['platform.listings.event.created.v1']['event'];
type VenueSnapshot = EventDataByType['platform.listings.venue.created.v1']['venue'];

export function venueSnapshot(venue: VenueModel): VenueSnapshot {
  return {
    id: venue.id,
    organizerId: venue.organizerId,
    name: venue.name,
    address: venue.address,
    city: venue.city,
    countryCode: venue.countryCode,
    timeZone: venue.timeZone,
    capacity: venue.capacity,
    latitude: venue.latitude,
    longitude: venue.longitude,
  };
}

export function eventSnapshot(event: EventModel, venue: VenueModel, ticketTypes: TicketTypeModel[]): EventSnapshot {
  return {
    id: event.id,
    version: event.version,
    organizerId: event.organizerId,
    title: event.title,
    description: event.description,
    category: event.category,
    status: event.status,
    startsAt: event.startsAt.toISOString(),
    endsAt: event.endsAt.toISOString(),
    venue: venueSnapshot(venue),
    ticketTypes: ticketTypes.map((type) => ({
      id: type.id,
      name: type.name,
      capacity: type.capacity,
      price: type.price.toJSON(),
    })),
  };
}
