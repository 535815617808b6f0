/**
 * The search subgraph: Evently's search index. It owns no business data: it keeps its own
 * index of listings' event and venue snapshots (consumed from the bus, idempotently and in
 * order per event) and answers `searchEvents` and `suggestEvents` from it. The engine sits
 * behind a port (`engine/port.ts`): Postgres in search's own database by default, OpenSearch
 * with `OPENSEARCH_URL`. The index can be rebuilt from listings' snapshots (`reindex.ts`), by
 * the command or by an admin's `startSearchReindex`.
 */
import { defineSubgraph, env } from '@platform/service-kit';
import { z } from 'zod';
import { createContextFactory } from './context.js';
import { createEngine } from './engine/select.js';
import { CONSUMED_LISTINGS_EVENTS, createListingsEventHandlers } from './listings-events.js';
import { createReindexer, reindexFromListings } from './reindex.js';
import { resolvers } from './resolvers/index.js';

export const searchSubgraph = defineSubgraph({
  name: 'search',
  port: 4009,
  schema: new URL('./schema.graphql', import.meta.url),
  migrations: new URL('../../../migrations/search/', import.meta.url),
  resolvers,
  config: {
    OPENSEARCH_URL: env.httpUrl
      .optional()
      .describe('An OpenSearch node or cluster (`http://127.0.0.1:9200`) to search on; unset: the Postgres engine'),
    OPENSEARCH_INDEX: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,100}$/, 'must be a lower-case OpenSearch index name')
      .default('platform-search-events')
      .describe('The alias the OpenSearch engine searches and writes (indices behind it: `<alias>-<suffix>`)'),
  },
  // Listings' snapshots of every event, for a rebuild of the index (reindex.ts).
  calls: [{ service: 'listings', optional: true }],
  consumes: CONSUMED_LISTINGS_EVENTS,
  // It keeps an index of others' facts and records none of its own: no outbox, no relay.
  publishes: false,
  async setup({ config, db, logger, internal, onStop }) {
    const engine = createEngine(config, db, logger);
    await engine.ready();
    onStop(() => engine.close());
    const listings = internal('listings')?.client ?? null;
    // Rebuilds `startSearchReindex` began in this replica are abandoned before the engine closes.
    const reindexer = createReindexer(engine, listings, logger);
    onStop(() => reindexer.stop());
    return {
      context: createContextFactory(engine, reindexer),
      handlers: createListingsEventHandlers(engine),
      exposed: {
        engine,
        /** Rebuilds the index from listings' snapshots (what `npm run search:reindex` runs). */
        reindex: () => reindexFromListings(engine, listings),
      },
    };
  },
});
