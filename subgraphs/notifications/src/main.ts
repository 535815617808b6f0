/** Starts the notifications subgraph: configuration, listening, graceful shutdown on signals. */
import { runSubgraph } from '@platform/service-kit';
import { notificationsSubgraph } from './subgraph.js';

runSubgraph(notificationsSubgraph);
