/**
 * Builds a subgraph's HTTP server: the GraphQL endpoint (gateway proof required),
 * `/healthz`, `/readyz`, `/metrics`, and any internal routes the subgraph adds.
 * Building is separate from listening, so tests start the same server on port 0.
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { execute, Kind, OperationTypeNode, parse, print, type DocumentNode } from 'graphql';
import { apolloServerLifecycle, clientInfo, executeApolloRequest } from './apollo-http.js';
import { TRUST_EVERY_PROXY } from './client-address.js';
import type { BaseContext } from './context.js';
import { createErrorFormatter } from './errors.js';
import { GATEWAY_PROOF_HEADER, type GatewayProofVerifier } from './gateway-proof.js';
import { createHttpServer, probeRoutes, readBody, sendJson, type Route, type RunningHttpServer } from './http.js';
import type { Logger } from './logger.js';
import { registerLoaderMetrics, withLoaderMetrics } from './loaders.js';
import { metricsPlugin, type ServiceMetrics } from './metrics.js';
import { attachSubgraphSubscriptions, type SubgraphSubscriptions } from './subgraph-ws.js';
import { serviceTracer, traceRootResolvers } from './telemetry/spans.js';

/** Reads and parses a `schema.graphql` next to the calling module. */
export function loadSchema(fileUrl: URL): DocumentNode {
  return parse(readFileSync(fileUrl, 'utf8'));
}

export interface SubgraphServerOptions<TContext extends BaseContext> {
  name: string;
  typeDefs: DocumentNode;
  resolvers: unknown;
  logger: Logger;
  metrics: ServiceMetrics;
  proofVerifier: GatewayProofVerifier;
  /** Development only: stack traces and internal messages in responses. */
  exposeInternals: boolean;
  createContext: (base: BaseContext) => TContext | Promise<TContext>;
  /** Named readiness checks; `/readyz` is 200 only when all pass. */
  readinessChecks: Record<string, () => Promise<boolean>>;
  /** Extra routes: internal service APIs, JWKS. */
  routes?: Route[];
  /** Closes what the server owns (database pools, Redis) after HTTP has stopped. */
  onStop?: () => Promise<void>;
  /**
   * Serve `Subscription` over graphql-ws on `/graphql` (gateway proof in `connection_init`),
   * see `subgraph-ws.ts`. Off by default.
   */
  subscriptions?: boolean | { connectionInitWaitTimeoutMs?: number };
}

export interface SubgraphServer {
  httpServer: Server;
  start(port: number, host?: string): Promise<RunningHttpServer>;
  stop(): Promise<void>;
}

export function createSubgraphServer<TContext extends BaseContext>(
  options: SubgraphServerOptions<TContext>,
): SubgraphServer {
  const { logger, metrics } = options;
  // Every request's context is built where the DataLoader caches it makes count (loaders.ts).
  const loaderMetrics = registerLoaderMetrics(metrics.registry);
  const createContext = (base: BaseContext) => withLoaderMetrics(loaderMetrics, () => options.createContext(base));
  // Codegen types the resolvers per subgraph; buildSubgraphSchema only needs the map's shape.
  const schema = buildSubgraphSchema({
    typeDefs: options.typeDefs,
    resolvers: traceRootResolvers(options.resolvers, serviceTracer(options.name)),
  } as Parameters<typeof buildSubgraphSchema>[0]);
  const apollo = new ApolloServer<TContext>({
    schema,
    formatError: createErrorFormatter({ logger, exposeInternals: options.exposeInternals }),
    includeStacktraceInErrorResponses: options.exposeInternals,
    csrfPrevention: true,
    stopOnTerminationSignals: false,
    logger,
    plugins: [metricsPlugin(metrics), ApolloServerPluginLandingPageDisabled()],
  });

  const graphqlRoute: Route['handler'] = async ({ req, res, url, requestId, logger: requestLogger }) => {
    const proof = req.headers[GATEWAY_PROOF_HEADER];
    let caller;
    try {
      caller = await options.proofVerifier.verify(Array.isArray(proof) ? proof[0] : proof);
    } catch (error) {
      // Development only (where internals are exposed): `rover subgraph introspect` asks for the
      // federation SDL without a proof. That query, `{ _service { sdl } }` and nothing else
      // (aliases, arguments, directives, fragments or variables refused), is answered.
      if (options.exposeInternals) {
        let document: DocumentNode | undefined;
        try {
          const { query } = JSON.parse(await readBody(req)) as { query?: unknown };
          document = typeof query === 'string' ? parse(query) : undefined;
        } catch {
          document = undefined; // not JSON, or not GraphQL: refused below
        }
        const [operation, ...others] = document?.definitions ?? [];
        if (
          document &&
          others.length === 0 &&
          operation?.kind === Kind.OPERATION_DEFINITION &&
          operation.operation === OperationTypeNode.QUERY &&
          !operation.variableDefinitions?.length &&
          !operation.directives?.length &&
          print(operation.selectionSet) === '{\n  _service {\n    sdl\n  }\n}'
        ) {
          requestLogger.info('answered the federation SDL query without a gateway proof (development)');
          sendJson(res, 200, await execute({ schema, document }));
          return;
        }
      }
      requestLogger.warn({ reason: (error as Error).message }, 'refused GraphQL request without a valid gateway proof');
      sendJson(res, 401, {
        errors: [{ message: 'Requests must come through the gateway', extensions: { code: 'UNAUTHENTICATED' } }],
      });
      return;
    }
    // Only the gateway gets this far (its proof was verified), and it forwards the client it trusted.
    await executeApolloRequest(apollo, req, res, url, async () =>
      createContext({ requestId, caller, logger: requestLogger, client: clientInfo(req, TRUST_EVERY_PROXY) }),
    );
  };

  const httpServer = createHttpServer({
    service: options.name,
    logger,
    metrics,
    routes: [
      { method: 'POST', path: '/graphql', handler: graphqlRoute },
      ...probeRoutes({
        metrics,
        readiness: async () => {
          const names = Object.keys(options.readinessChecks);
          const results = await Promise.all(names.map((name) => options.readinessChecks[name]!()));
          return {
            ready: results.every(Boolean),
            checks: Object.fromEntries(names.map((name, index) => [name, results[index]])),
          };
        },
      }),
      ...(options.routes ?? []),
    ],
  });

  // Subscriptions (opt-in): graphql-ws on the same server and path, same schema.
  const subscriptions: SubgraphSubscriptions | undefined = options.subscriptions
    ? attachSubgraphSubscriptions({
        httpServer,
        schema,
        path: '/graphql',
        proofVerifier: options.proofVerifier,
        createContext,
        logger,
        exposeInternals: options.exposeInternals,
        metrics: options.metrics,
        ...(typeof options.subscriptions === 'object' ? options.subscriptions : {}),
      })
    : undefined;

  const lifecycle = apolloServerLifecycle({ apollo, httpServer, webSocket: subscriptions });
  return {
    httpServer,
    async start(port, host) {
      const running = await lifecycle.start(port, host);
      logger.info({ url: running.url, subgraph: options.name }, 'subgraph listening');
      return running;
    },
    async stop() {
      await lifecycle.stop();
      await options.onStop?.();
    },
  };
}
