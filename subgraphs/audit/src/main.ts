/** Starts the audit subgraph: configuration, listening, graceful shutdown on signals. */
import { runSubgraph } from '@platform/service-kit';
import { auditSubgraph } from './subgraph.js';

runSubgraph(auditSubgraph);
