/**
 * What bookings does with listings' event snapshots (each applied once, inside the
 * consumer's deduplication transaction, and only when newer than the copy held): keep its
 * own copy of events and ticket types, hand raised capacity to the waiting list, and on
 * `event.cancelled` cancel and refund every booking of the event. It notifies nobody
 * directly: its own events say what happened.
 */
import type { ConsumedEventHandler } from '@platform/service-kit';
import { NO_REQUEST, type CloudEvent } from '@platform/service-kit/events';
import type { BookingService } from './domain/bookings.js';

export const CONSUMED_LISTINGS_EVENTS = [
  'platform.listings.event.created.v1',
  'platform.listings.event.updated.v1',
  'platform.listings.event.published.v1',
  'platform.listings.event.cancelled.v1',
] as const;

type ConsumedType = (typeof CONSUMED_LISTINGS_EVENTS)[number];

export function createListingsEventHandlers(bookings: BookingService): {
  [T in ConsumedType]: ConsumedEventHandler<T>;
} {
  const apply = async (event: CloudEvent<ConsumedType>, trx: Parameters<ConsumedEventHandler<ConsumedType>>[1]) => {
    const snapshot = event.data.event;
    await bookings.applySnapshot(
      trx,
      // The platform reacting: the organizer caused the change, in the request listings names.
      { userId: null, permissions: [], context: { ...NO_REQUEST, requestId: event.data.context.requestId } },
      {
        id: snapshot.id,
        version: snapshot.version,
        organizerId: snapshot.organizerId,
        status: snapshot.status,
        startsAt: snapshot.startsAt,
        endsAt: snapshot.endsAt,
        timeZone: snapshot.venue.timeZone,
        ticketTypes: snapshot.ticketTypes.map((ticketType) => ({
          id: ticketType.id,
          name: ticketType.name,
          capacity: ticketType.capacity,
          price: ticketType.price,
        })),
      },
    );
  };
  return {
    'platform.listings.event.created.v1': apply,
    'platform.listings.event.updated.v1': apply,
    'platform.listings.event.published.v1': apply,
    'platform.listings.event.cancelled.v1': apply,
  };
}
