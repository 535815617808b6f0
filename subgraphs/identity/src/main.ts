/** Starts the identity subgraph: configuration, listening, graceful shutdown on signals. */
import { runSubgraph } from '@platform/service-kit';
import { identitySubgraph } from './subgraph.js';

runSubgraph(identitySubgraph);
