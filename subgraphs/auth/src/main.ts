/** Starts the auth subgraph: configuration, listening, graceful shutdown on signals. */
import { runSubgraph } from '@platform/service-kit';
import { authSubgraph } from './subgraph.js';

runSubgraph(authSubgraph);
