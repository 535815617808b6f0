/**
 * The media subgraph: Files: uploads by short-lived signed URLs to a storage port (local disk or S3), avatars and post images.
 * SCAFFOLD: being built (see its issue); the definition grows with it.
 */
import { defineSubgraph, type BaseContext } from '@platform/service-kit';
import { resolvers } from './resolvers/index.js';

export const mediaSubgraph = defineSubgraph({
  name: 'media',
  port: 4013,
  schema: new URL('./schema.graphql', import.meta.url),
  migrations: new URL('../../../migrations/media/', import.meta.url),
  resolvers,
  config: {},
  async setup() {
    return { context: (base: BaseContext) => base };
  },
});
