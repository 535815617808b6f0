/**
 * Starts the media subgraph: tracing first (the `OTEL_*` variables), then configuration,
 * listening, graceful shutdown on signals. The subgraph is imported only once tracing runs.
 */
import { runSubgraphMain } from '@platform/service-kit/main';

await runSubgraphMain('media', async () => (await import('./subgraph.js')).mediaSubgraph);
