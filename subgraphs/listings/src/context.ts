/**
 * What listings resolvers get per request: the kit's base context, the service that makes
 * every change, the stores for reads, and per-request DataLoaders so N references to venues,
 * events or ticket types cost one query per kind.
 */
import type { BaseContext } from '@platform/service-kit';
import DataLoader from 'dataloader';
import { loaderCache } from '@platform/service-kit';
import { isUuid, normaliseUuid } from './domain/ids.js';
import type { Listings } from './domain/listings.js';
import type { EventModel, TicketTypeModel, VenueModel } from './mappers.js';
import type { Stores } from './stores/index.js';

export interface Context extends BaseContext {
  listings: Listings;
  /** For reads outside a change (lists); changes go through `listings`. */
  stores: Stores;
  venueById: DataLoader<string, VenueModel | null>;
  eventById: DataLoader<string, EventModel | null>;
  ticketTypeById: DataLoader<string, TicketTypeModel | null>;
  /** Each event's ticket types, in the organizer's order. */
  ticketTypesByEventId: DataLoader<string, TicketTypeModel[]>;
}

/** A loader over UUID keys: other ids get `missing` without touching SQL, any letter case shares one lookup. */
function uuidLoader<V>(
  name: string,
  load: (ids: string[]) => Promise<Map<string, V>>,
  missing: () => V,
): DataLoader<string, V> {
  return new DataLoader<string, V>(
    async (keys) => {
      const ids = [...new Set(keys.filter(isUuid).map(normaliseUuid))];
      const found = ids.length > 0 ? await load(ids) : new Map<string, V>();
      return keys.map((key) => (isUuid(key) ? (found.get(normaliseUuid(key)) ?? missing()) : missing()));
    },
    { cacheKeyFn: (key) => (isUuid(key) ? normaliseUuid(key) : key), cacheMap: loaderCache(name) },
  );
}

const byId = <T extends { id: string }>(rows: T[]) => new Map(rows.map((row) => [row.id, row]));

export function createContextFactory(services: { listings: Listings; stores: Stores }): (base: BaseContext) => Context {
  const { stores } = services;
  return (base) => ({
    ...base,
    ...services,
    venueById: uuidLoader(
      'venueById',
      async (ids) => byId(await stores.venues.findManyByIds(ids)),
      () => null,
    ),
    eventById: uuidLoader(
      'eventById',
      async (ids) => byId(await stores.events.findManyByIds(ids)),
      () => null,
    ),
    ticketTypeById: uuidLoader(
      'ticketTypeById',
      async (ids) => byId(await stores.events.ticketTypesByIds(ids)),
      () => null,
    ),
    ticketTypesByEventId: uuidLoader(
      'ticketTypesByEventId',
      (ids) => stores.events.ticketTypesOf(ids),
      () => [],
    ),
  });
}
