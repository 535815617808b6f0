/** Starts the bookings subgraph: configuration, listening, graceful shutdown on signals. */
import { runSubgraph } from '@platform/service-kit';
import { bookingsSubgraph } from './subgraph.js';

runSubgraph(bookingsSubgraph);
