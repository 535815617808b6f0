/** Starts the analytics subgraph: configuration, listening, graceful shutdown on signals. */
import { runSubgraph } from '@platform/service-kit';
import { analyticsSubgraph } from './subgraph.js';

runSubgraph(analyticsSubgraph);
