/** Starts the search subgraph: configuration, listening, graceful shutdown on signals. */
import { runSubgraph } from '@platform/service-kit';
import { searchSubgraph } from './subgraph.js';

runSubgraph(searchSubgraph);
