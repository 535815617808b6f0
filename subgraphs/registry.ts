/**
 * The platform's subgraphs: one line each. Everything that needs the list derives it from
 * here: the launcher (`npm start`, in process or a process per service), the development
 * secrets and internal credentials (from each definition's `calls` and `internalApi`), the
 * end-to-end harness, codegen, and `rover.yaml` (written by `npm run codegen`, checked by
 * `npm run codegen:check`). See the README's "Adding a subgraph".
 */
import type { AnySubgraphDefinition, ServiceCall } from '@platform/service-kit';
import { analyticsSubgraph } from './analytics/src/subgraph.js';
import { auditSubgraph } from './audit/src/subgraph.js';
import { authSubgraph } from './auth/src/subgraph.js';
import { authzSubgraph } from './authz/src/subgraph.js';
import { blogSubgraph } from './blog/src/subgraph.js';
import { bookingsSubgraph } from './bookings/src/subgraph.js';
import { expensesSubgraph } from './expenses/src/subgraph.js';
import { identitySubgraph } from './identity/src/subgraph.js';
import { listingsSubgraph } from './listings/src/subgraph.js';
import { mediaSubgraph } from './media/src/subgraph.js';
import { notificationsSubgraph } from './notifications/src/subgraph.js';
import { portfoliosSubgraph } from './portfolios/src/subgraph.js';
import { searchSubgraph } from './search/src/subgraph.js';

export const subgraphs: readonly AnySubgraphDefinition[] = [
  identitySubgraph,
  authSubgraph,
  authzSubgraph,
  auditSubgraph,
  listingsSubgraph,
  bookingsSubgraph,
  expensesSubgraph,
  portfoliosSubgraph,
  searchSubgraph,
  analyticsSubgraph,
  blogSubgraph,
  notificationsSubgraph,
  mediaSubgraph,
];

/** The gateway is no subgraph, but it calls internal APIs and serves one like the subgraphs do. */
export const gatewayService: {
  name: 'gateway';
  port: number;
  calls: readonly ServiceCall[];
  internalApi: { callers: readonly string[] };
} = {
  name: 'gateway',
  port: 4000,
  calls: ['authz'],
  internalApi: { callers: ['authz'] },
};
