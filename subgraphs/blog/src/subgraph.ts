/**
 * The blog subgraph: The blog: posts with Markdown content, slugs, tags, scheduled publishing and authors.
 * SCAFFOLD: being built (see its issue); the definition grows with it.
 */
import { defineSubgraph, type BaseContext } from '@platform/service-kit';
import { resolvers } from './resolvers/index.js';

export const blogSubgraph = defineSubgraph({
  name: 'blog',
  port: 4011,
  schema: new URL('./schema.graphql', import.meta.url),
  migrations: new URL('../../../migrations/blog/', import.meta.url),
  resolvers,
  config: {},
  async setup() {
    return { context: (base: BaseContext) => base };
  },
});
