/**
 * The search subgraph: Evently search: an index of published events fed by the ticketing events (Postgres full text by default, OpenSearch when configured).
 * SCAFFOLD: being built (see its issue); the definition grows with it.
 */
import { defineSubgraph, type BaseContext } from '@platform/service-kit';
import { resolvers } from './resolvers/index.js';

export const searchSubgraph = defineSubgraph({
  name: 'search',
  port: 4009,
  schema: new URL('./schema.graphql', import.meta.url),
  migrations: new URL('../../../migrations/search/', import.meta.url),
  resolvers,
  config: {},
  async setup() {
    return { context: (base: BaseContext) => base };
  },
});
