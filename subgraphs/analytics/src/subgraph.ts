/**
 * The analytics subgraph: Evently analytics: sales and platform figures projected from the domain events, rebuildable by replay.
 * SCAFFOLD: being built (see its issue); the definition grows with it.
 */
import { defineSubgraph, type BaseContext } from '@platform/service-kit';
import { resolvers } from './resolvers/index.js';

export const analyticsSubgraph = defineSubgraph({
  name: 'analytics',
  port: 4010,
  schema: new URL('./schema.graphql', import.meta.url),
  migrations: new URL('../../../migrations/analytics/', import.meta.url),
  resolvers,
  config: {},
  async setup() {
    return { context: (base: BaseContext) => base };
  },
});
