/**
 * The notifications subgraph: Notifications: domain events turned into mail (SMTP) and in-app messages, with templates, preferences, quiet hours and history.
 * SCAFFOLD: being built (see its issue); the definition grows with it.
 */
import { defineSubgraph, type BaseContext } from '@platform/service-kit';
import { resolvers } from './resolvers/index.js';

export const notificationsSubgraph = defineSubgraph({
  name: 'notifications',
  port: 4012,
  schema: new URL('./schema.graphql', import.meta.url),
  migrations: new URL('../../../migrations/notifications/', import.meta.url),
  resolvers,
  config: {},
  async setup() {
    return { context: (base: BaseContext) => base };
  },
});
