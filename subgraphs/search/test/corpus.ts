/**
 * A fixed corpus of generated events (a seeded generator: the same events on every run, only
 * shifted to start after today) and listings' snapshot events for them, shared by the search
 * tests and `npm run bench -- search`.
 */
import { createEvent, NO_REQUEST, type AnyCloudEvent } from '@platform/service-kit/events';

/** Mulberry32: small, fast, seeded. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A UUID made from the generator, so ids are fixed too. */
function uuidFrom(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export const CITIES = [
  { city: 'Amsterdam', latitude: 52.3676, longitude: 4.9041, timeZone: 'Europe/Amsterdam', countryCode: 'NL' },
  { city: 'Utrecht', latitude: 52.0907, longitude: 5.1214, timeZone: 'Europe/Amsterdam', countryCode: 'NL' },
  { city: 'Berlin', latitude: 52.52, longitude: 13.405, timeZone: 'Europe/Berlin', countryCode: 'DE' },
  { city: 'Zürich', latitude: 47.3769, longitude: 8.5417, timeZone: 'Europe/Zurich', countryCode: 'CH' },
  { city: 'Kraków', latitude: 50.0647, longitude: 19.945, timeZone: 'Europe/Warsaw', countryCode: 'PL' },
  { city: 'Paris', latitude: 48.8566, longitude: 2.3522, timeZone: 'Europe/Paris', countryCode: 'FR' },
  { city: 'Lisbon', latitude: 38.7223, longitude: -9.1393, timeZone: 'Europe/Lisbon', countryCode: 'PT' },
  { city: 'Montréal', latitude: 45.5019, longitude: -73.5674, timeZone: 'America/Toronto', countryCode: 'CA' },
] as const;

const VENUE_WORDS = ['Hall', 'Arena', 'Club', 'Theatre', 'Garden', 'Stage', 'Loft', 'Pavilion'];
const VENUE_NAMES = ['Paradiso', 'Melkweg', 'Tivoli', 'Olympia', 'Bellevue', 'Harmonie', 'Nordlicht', 'Mercado'];

const KINDS = [
  { category: 'music', words: ['Jazz Festival', 'Rock Concert', 'Piano Recital', 'Blues Night', 'Choir Concert'] },
  { category: 'theatre', words: ['Opera Gala', 'Ballet Evening', 'Comedy Play', 'Musical Premiere'] },
  { category: 'sports', words: ['Marathon', 'Football Match', 'Tennis Open', 'Cycling Race'] },
  { category: 'conference', words: ['Developer Conference', 'Design Summit', 'Data Workshop'] },
  { category: 'food', words: ['Wine Tasting', 'Street Food Market', 'Cheese Fair'] },
] as const;
const ADJECTIVES = ['Summer', 'Winter', 'Midnight', 'Grand', 'Open Air', 'Spring', 'Autumn', 'Royal', 'Little'];
const DESCRIPTIONS = [
  'An evening to remember with friends and family.',
  'Tickets sell fast, come early for the best places.',
  'Food and drinks available on site.',
  'Accessible venue with seating for everyone.',
  'Bring your own blanket and enjoy the atmosphere.',
];

export interface CorpusVenue {
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

export interface CorpusEvent {
  id: string;
  version: number;
  organizerId: string;
  title: string;
  description: string;
  category: string;
  status: 'DRAFT' | 'PUBLISHED' | 'CANCELLED';
  startsAt: string;
  endsAt: string;
  venue: CorpusVenue;
}

const DAY = 24 * 3600 * 1000;

/** `count` venues and events from `seed`, starting 1 to 365 days after `today` (a UTC midnight). */
export function generateCorpus(count: number, seed: number, today: Date) {
  const random = seeded(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const organizers = Array.from({ length: 5 }, () => uuidFrom(random));
  const venues: CorpusVenue[] = CITIES.flatMap((place) =>
    VENUE_NAMES.slice(0, 3).map((_, index) => {
      // Venues spread a few kilometres around the city centre.
      const latitude = place.latitude + (random() - 0.5) * 0.1;
      const longitude = place.longitude + (random() - 0.5) * 0.1;
      return {
        id: uuidFrom(random),
        organizerId: pick(organizers),
        name: `${pick(VENUE_NAMES)} ${VENUE_WORDS[index]!}`,
        address: `Main street ${index + 1}`,
        city: place.city,
        countryCode: place.countryCode,
        timeZone: place.timeZone,
        capacity: 5000,
        latitude: Math.round(latitude * 1e6) / 1e6,
        longitude: Math.round(longitude * 1e6) / 1e6,
      };
    }),
  );
  const events: CorpusEvent[] = Array.from({ length: count }, () => {
    const kind = pick(KINDS);
    const startsAt = new Date(
      today.getTime() + (1 + Math.floor(random() * 365)) * DAY + Math.floor(random() * 24) * 3600_000,
    );
    const venue = pick(venues);
    return {
      id: uuidFrom(random),
      version: 2,
      organizerId: venue.organizerId,
      title: `${pick(ADJECTIVES)} ${pick(kind.words)}`,
      description: `${pick(DESCRIPTIONS)} ${pick(DESCRIPTIONS)}`,
      category: kind.category,
      status: 'PUBLISHED' as const,
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 3 * 3600_000).toISOString(),
      venue,
    };
  });
  return { organizers, venues, events };
}

type SnapshotType =
  | 'platform.listings.event.created.v1'
  | 'platform.listings.event.updated.v1'
  | 'platform.listings.event.published.v1'
  | 'platform.listings.event.cancelled.v1';

/** The snapshot listings' relay would publish for `event`. */
export function snapshotOf(event: CorpusEvent, type?: SnapshotType): AnyCloudEvent {
  const eventType =
    type ??
    (event.status === 'DRAFT'
      ? 'platform.listings.event.created.v1'
      : event.status === 'CANCELLED'
        ? 'platform.listings.event.cancelled.v1'
        : 'platform.listings.event.published.v1');
  const common = {
    actorId: event.organizerId,
    target: { type: 'event' as const, id: event.id },
    context: NO_REQUEST,
    event: { ...event, ticketTypes: [] },
  };
  return eventType === 'platform.listings.event.cancelled.v1'
    ? createEvent({ type: eventType, subject: event.id, data: { ...common, reason: 'the band fell ill' } })
    : createEvent({ type: eventType, subject: event.id, data: common });
}

/** The venue.updated.v1 listings would publish for `venue`. */
export function venueUpdateOf(venue: CorpusVenue): AnyCloudEvent {
  return createEvent({
    type: 'platform.listings.venue.updated.v1',
    subject: venue.id,
    data: { actorId: venue.organizerId, target: { type: 'venue', id: venue.id }, context: NO_REQUEST, venue },
  });
}

/** Great-circle distance in km (the same haversine the engine uses). */
export function distanceKm(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }) {
  const rad = Math.PI / 180;
  const h =
    Math.sin(((b.latitude - a.latitude) * rad) / 2) ** 2 +
    Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(((b.longitude - a.longitude) * rad) / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.sqrt(h));
}
