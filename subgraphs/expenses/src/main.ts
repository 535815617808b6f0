/** Starts the expenses subgraph: configuration, listening, graceful shutdown on signals. */
import { runSubgraph } from '@platform/service-kit';
import { expensesSubgraph } from './subgraph.js';

runSubgraph(expensesSubgraph);
