/**
 * The portfolios subgraph: Personal finance: portfolios, activities, instrument prices, holdings and performance.
 * SCAFFOLD: being built (see its issue); the definition grows with it.
 */
import { defineSubgraph, type BaseContext } from '@platform/service-kit';
import { resolvers } from './resolvers/index.js';

export const portfoliosSubgraph = defineSubgraph({
  name: 'portfolios',
  port: 4008,
  schema: new URL('./schema.graphql', import.meta.url),
  migrations: new URL('../../../migrations/portfolios/', import.meta.url),
  resolvers,
  config: {},
  async setup() {
    return { context: (base: BaseContext) => base };
  },
});
