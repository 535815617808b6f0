/**
 * The listings subgraph: Evently venues, events and ticket types, what organizers put on sale
 * (not the platform's domain-event catalog in events/). Every change publishes a snapshot of
 * the venue or event through the outbox; bookings builds its capacity from those. Lowering a
 * published ticket type's capacity asks bookings first (`domain/bookings-capacity.ts`).
 */
import { defineSubgraph } from '@platform/service-kit';
import { createContextFactory } from './context.js';
import { createBookingsCapacity } from './domain/bookings-capacity.js';
import { createListings } from './domain/listings.js';
import { createInternalRoutes } from './internal/routes.js';
import { resolvers } from './resolvers/index.js';
import { createStores } from './stores/index.js';

export const listingsSubgraph = defineSubgraph({
  name: 'listings',
  port: 4005,
  schema: new URL('./schema.graphql', import.meta.url),
  migrations: new URL('../../../migrations/listings/', import.meta.url),
  resolvers,
  config: {},
  // Optional: without it listings still serves everything but lowering a published capacity.
  calls: [{ service: 'bookings', optional: true }],
  // Search pages through every event's snapshot to rebuild its index (internal/routes.ts).
  internalApi: { callers: ['search'] },
  async setup({ db, internal, authenticateService }) {
    const stores = createStores(db);
    const listings = createListings({ db, bookings: createBookingsCapacity(internal('bookings')?.client ?? null) });
    return {
      context: createContextFactory({ listings, stores }),
      routes: createInternalRoutes({ authenticateService, db }),
    };
  },
});
