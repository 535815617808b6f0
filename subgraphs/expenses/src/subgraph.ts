/**
 * The expenses subgraph: Personal finance: expenses, categories, budgets with threshold alerts, reports, exchange rates.
 * SCAFFOLD: being built (see its issue); the definition grows with it.
 */
import { defineSubgraph, type BaseContext } from '@platform/service-kit';
import { resolvers } from './resolvers/index.js';

export const expensesSubgraph = defineSubgraph({
  name: 'expenses',
  port: 4007,
  schema: new URL('./schema.graphql', import.meta.url),
  migrations: new URL('../../../migrations/expenses/', import.meta.url),
  resolvers,
  config: {},
  async setup() {
    return { context: (base: BaseContext) => base };
  },
});
