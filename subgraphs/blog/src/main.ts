/**
 * Starts the blog subgraph: tracing first (the `OTEL_*` variables), then configuration,
 * listening, graceful shutdown on signals. The subgraph is imported only once tracing runs.
 */
import { runSubgraphMain } from '@platform/service-kit/main';

await runSubgraphMain('blog', async () => (await import('./subgraph.js')).blogSubgraph);
