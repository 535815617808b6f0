/**
 * The listings subgraph: Evently venues, events and ticket types: what organizers put on sale (not the platform's domain-event catalog in events/).
 * SCAFFOLD: being built (see its issue); the definition grows with it.
 */
import { defineSubgraph, type BaseContext } from '@platform/service-kit';
import { resolvers } from './resolvers/index.js';

export const listingsSubgraph = defineSubgraph({
  name: 'listings',
  port: 4005,
  schema: new URL('./schema.graphql', import.meta.url),
  migrations: new URL('../../../migrations/listings/', import.meta.url),
  resolvers,
  config: {},
  async setup() {
    return { context: (base: BaseContext) => base };
  },
});
