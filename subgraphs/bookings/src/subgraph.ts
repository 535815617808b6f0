/**
 * The bookings subgraph: Evently bookings: holds, payments, refunds, tickets, the waiting list and check-in; owns capacity enforcement.
 * SCAFFOLD: being built (see its issue); the definition grows with it.
 */
import { defineSubgraph, type BaseContext } from '@platform/service-kit';
import { resolvers } from './resolvers/index.js';

export const bookingsSubgraph = defineSubgraph({
  name: 'bookings',
  port: 4006,
  schema: new URL('./schema.graphql', import.meta.url),
  migrations: new URL('../../../migrations/bookings/', import.meta.url),
  resolvers,
  config: {},
  async setup() {
    return { context: (base: BaseContext) => base };
  },
});
