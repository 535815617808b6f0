/**
 * The analytics subgraph: sales and platform figures projected from the domain events only
 * (listings' snapshots, bookings' lifecycle, registrations and logins), each applied once by
 * the kit's deduplicating consumer and rebuildable by replaying the topics from the start
 * (`projection/handlers.ts`). It publishes nothing.
 */
import { defineSubgraph } from '@platform/service-kit';
import { createContextFactory } from './context.js';
import { PROJECTED_EVENTS, projectionHandlers } from './projection/handlers.js';
import { resolvers } from './resolvers/index.js';

export const analyticsSubgraph = defineSubgraph({
  name: 'analytics',
  port: 4010,
  schema: new URL('./schema.graphql', import.meta.url),
  migrations: new URL('../../../migrations/analytics/', import.meta.url),
  resolvers,
  publishes: false,
  consumes: PROJECTED_EVENTS,
  async setup({ db }) {
    return { context: createContextFactory(db), handlers: projectionHandlers };
  },
});
