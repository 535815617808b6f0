/**
 * The search subgraph: Evently's search index. It owns no business data: it keeps its own
 * index of listings' event and venue snapshots (consumed from the bus, idempotently and in
 * order per event) and answers `searchEvents` and `suggestEvents` from it. The engine sits
 * behind a port (`engine/port.ts`); Postgres, in search's own database, implements it.
 */
import { defineSubgraph } from '@platform/service-kit';
import { createContextFactory } from './context.js';
import { createPostgresEngine } from './engine/postgres.js';
import { CONSUMED_LISTINGS_EVENTS, createListingsEventHandlers } from './listings-events.js';
import { resolvers } from './resolvers/index.js';

export const searchSubgraph = defineSubgraph({
  name: 'search',
  port: 4009,
  schema: new URL('./schema.graphql', import.meta.url),
  migrations: new URL('../../../migrations/search/', import.meta.url),
  resolvers,
  config: {},
  consumes: CONSUMED_LISTINGS_EVENTS,
  // It keeps an index of others' facts and records none of its own: no outbox, no relay.
  publishes: false,
  async setup({ db }) {
    const engine = createPostgresEngine(db);
    return {
      context: createContextFactory(engine),
      handlers: createListingsEventHandlers(engine),
      exposed: { engine },
    };
  },
});
