/** Starts the blog subgraph: configuration, listening, graceful shutdown on signals. */
import { runSubgraph } from '@platform/service-kit';
import { blogSubgraph } from './subgraph.js';

runSubgraph(blogSubgraph);
