/** Starts the media subgraph: configuration, listening, graceful shutdown on signals. */
import { runSubgraph } from '@platform/service-kit';
import { mediaSubgraph } from './subgraph.js';

runSubgraph(mediaSubgraph);
