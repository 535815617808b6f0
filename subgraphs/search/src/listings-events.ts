/**
 * What search does with listings' snapshot events: every event snapshot (drafts too, so
 * organizers can search their drafts) and every venue change goes into the index, inside the
 * consumer's deduplication transaction. Event snapshots apply only when newer than the
 * indexed version, so a redelivered or late one changes nothing.
 */
import type { ConsumedEventHandler } from '@platform/service-kit';
import type { CloudEvent, EventDataByType } from '@platform/service-kit/events';
import type { IndexedEvent, SearchEngine } from './engine/port.js';

export const CONSUMED_LISTINGS_EVENTS = [
  'platform.listings.event.created.v1',
  'platform.listings.event.updated.v1',
  'platform.listings.event.published.v1',
  'platform.listings.event.cancelled.v1',
  'platform.listings.venue.created.v1',
  'platform.listings.venue.updated.v1',
] as const;

type ConsumedType = (typeof CONSUMED_LISTINGS_EVENTS)[number];
type EventSnapshotType = Exclude<ConsumedType, `platform.listings.venue.${string}`>;
type VenueType = Extract<ConsumedType, `platform.listings.venue.${string}`>;

type EventSnapshot = EventDataByType['platform.listings.event.created.v1']['event'];

/** The fields search keeps of listings' event snapshot (the events' and the reindex route's). */
export function indexedEventOf(snapshot: EventSnapshot): IndexedEvent {
  const { venue } = snapshot;
  return {
    id: snapshot.id,
    version: snapshot.version,
    organizerId: snapshot.organizerId,
    status: snapshot.status,
    title: snapshot.title,
    description: snapshot.description,
    category: snapshot.category,
    startsAt: snapshot.startsAt,
    endsAt: snapshot.endsAt,
    venue: { id: venue.id, name: venue.name, city: venue.city, latitude: venue.latitude, longitude: venue.longitude },
  };
}

export function createListingsEventHandlers(engine: SearchEngine): {
  [T in ConsumedType]: ConsumedEventHandler<T>;
} {
  const event = async (
    received: CloudEvent<EventSnapshotType>,
    trx: Parameters<ConsumedEventHandler<EventSnapshotType>>[1],
  ) => {
    await engine.applyEvent(trx, indexedEventOf(received.data.event));
  };
  const venue = async (received: CloudEvent<VenueType>, trx: Parameters<ConsumedEventHandler<VenueType>>[1]) => {
    const { id, name, city, latitude, longitude } = received.data.venue;
    await engine.applyVenue(trx, { id, name, city, latitude, longitude });
  };
  return {
    'platform.listings.event.created.v1': event,
    'platform.listings.event.updated.v1': event,
    'platform.listings.event.published.v1': event,
    'platform.listings.event.cancelled.v1': event,
    'platform.listings.venue.created.v1': venue,
    'platform.listings.venue.updated.v1': venue,
  };
}
