/** Starts the portfolios subgraph: configuration, listening, graceful shutdown on signals. */
import { runSubgraph } from '@platform/service-kit';
import { portfoliosSubgraph } from './subgraph.js';

runSubgraph(portfoliosSubgraph);
