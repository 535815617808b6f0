/**
 * hive: Hive Gateway (@graphql-hive/gateway) configured as the public benchmark runs it,
 * `hive-gateway supergraph supergraph.graphql --jit` with a gateway.config.ts of
 * `inboundInflightRequestDeduplication: true`: the same runtime, built with the CLI's own
 * cache and built-in plugins (JIT), served on node:http as the CLI serves it.
 */
import {
  createGatewayRuntime,
  getBuiltinPluginsFromConfig,
  getCacheInstanceFromConfig,
  Logger,
  MemPubSub,
  type UnifiedGraphHandler,
} from '@graphql-hive/gateway';
import { createServer } from 'node:http';
import { runAsClusterWorker, type RunningGateway } from './cluster.js';

export interface HiveGatewayOptions {
  /** As the public benchmark configures Hive Gateway (default true). */
  inboundInflightRequestDeduplication?: boolean;
  /**
   * The Rust query planner and its executor (`@graphql-hive/router-runtime`) in place of the JS
   * ones. Without `--jit` then: graphql-jit compiles the JS executor's resolvers, and over the
   * router runtime it answers `data: null` for every root field.
   */
  unifiedGraphHandler?: UnifiedGraphHandler;
}

export async function startHiveGateway(
  supergraphPath: string,
  port: number,
  host = '127.0.0.1',
  { inboundInflightRequestDeduplication = true, unifiedGraphHandler }: HiveGatewayOptions = {},
): Promise<RunningGateway> {
  const log = new Logger({ level: 'warn' });
  const pubsub = new MemPubSub();
  const cwd = process.cwd();
  const cache = await getCacheInstanceFromConfig({}, { log, pubsub, cwd });
  const plugins = await getBuiltinPluginsFromConfig({ jit: !unifiedGraphHandler }, { log, pubsub, cwd, cache });
  const runtime = createGatewayRuntime({
    supergraph: supergraphPath,
    inboundInflightRequestDeduplication,
    ...(unifiedGraphHandler ? { unifiedGraphHandler } : {}),
    logging: log,
    cache,
    pubsub,
    plugins: () => plugins,
  });
  await runtime.getSchema();
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- the runtime is a node request listener
  const server = createServer(runtime);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    url: `http://${host}:${port}${runtime.graphqlEndpoint}`,
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await runtime.dispose();
    },
  };
}

await runAsClusterWorker('hive', (options) => startHiveGateway(options.supergraphPath, options.port, options.host));
