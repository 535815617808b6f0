/** Starts the authz subgraph: configuration, listening, graceful shutdown on signals. */
import { runSubgraph } from '@platform/service-kit';
import { authzSubgraph } from './subgraph.js';

runSubgraph(authzSubgraph);
