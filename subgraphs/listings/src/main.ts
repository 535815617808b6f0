/** Starts the listings subgraph: configuration, listening, graceful shutdown on signals. */
import { runSubgraph } from '@platform/service-kit';
import { listingsSubgraph } from './subgraph.js';

runSubgraph(listingsSubgraph);
