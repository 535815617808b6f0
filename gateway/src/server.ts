/**
 * Builds the gateway: Apollo Server over @apollo/gateway, with access-token verification
 * in front, a signed caller proof on every subgraph fetch, Sandbox in development, and
 * `/healthz`, `/readyz`, `/metrics`. `createGatewayServer` builds; `start` listens.
 */
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import path from 'node:path';
import {
  apolloServerLifecycle,
  authenticateService,
  clientInfo,
  createErrorFormatter,
  createGatewayProofSigner,
  createHttpServer,
  createInternalClient,
  createLogger,
  createMetrics,
  createRedis,
  HttpError,
  isRedisReachable,
  listen,
  metricsPlugin,
  metricsRoute,
  probeRoutes,
  readJsonBody,
  sendJson,
  type Logger,
  type Readiness,
  type RedisClient,
  type RouteHandler,
  type RunningHttpServer,
} from '@platform/service-kit';
import type { Server, ServerResponse } from 'node:http';
import { createPolicyRegistry, readAuthorization, type AuthorizationRequirements } from './authorization/index.js';
import { disableApolloGatewayTelemetry } from './apollo-telemetry.js';
import { AuthorizationEnforcer, type AuthorizationDenial } from './authorization-enforcement.js';
import { AuthorizingGateway } from './authorizing-gateway.js';
import { createCallerResolver } from './callers.js';
import { createDenialPublisher } from './denial-events.js';
import { createGatewayOperatorMetrics } from './operator-metrics.js';
import { createEventTransport, type EventTransport, type TransportSubscription } from '@platform/service-kit/events';
import { createPermissionResolver, type PermissionResolver } from './permissions/effective-permissions.js';
import {
  consumeSessionRevocations,
  createMemoryRevokedSessions,
  createRedisRevokedSessions,
} from './sessions/revoked-sessions.js';
import { createAccessTokenVerifier, InvalidAccessTokenError, type AccessTokenVerifier } from './access-tokens.js';
import type { GatewayConfig } from './config.js';
import type { GatewayContext } from './context.js';
import { applyCors } from './cors.js';
import { gatewayContentSecurityPolicy } from './content-security-policy.js';
import { SubgraphDataSource } from './subgraph-data-source.js';
import { createSubgraphHttpClient } from './http-client.js'; // [perf]
import { createDeduplicatingExecutor } from './inbound-deduplication.js'; // [perf]
import { supergraphFromFile, type SupergraphFileState } from './supergraph-file.js';
import { subgraphsOf } from './supergraph-subgraphs.js';
import {
  formatOperationLimitError,
  operationLimitRules,
  operationLimitsFrom,
  parseOptionsOf,
} from './operation-limits.js';
// [edge] cost, rate limits, trusted documents and the body limit (issue 13).
import { createEdgeLimits } from './edge-limits.js';
import { EMPTY_COST_MODEL, readCostModel, type CostModel } from './operation-cost.js';
import {
  createRateLimits,
  rateLimitedError,
  rateLimitHeaders,
  rateLimitSettingsFrom,
  type RateLimitState,
  type RateLimitSubject,
} from './rate-limits.js';
import { loadTrustedDocuments, screenTrustedDocuments, trustedDocumentCache } from './trusted-documents.js';
// [subscriptions] graphql-ws on /graphql: see gateway/src/subscriptions/.
import { attachGatewaySubscriptions } from './subscriptions/index.js';

export interface GatewayServer {
  httpServer: Server;
  start(port: number, host?: string): Promise<RunningHttpServer>;
  stop(): Promise<void>;
  /** How many times the supergraph file was reloaded since start. */
  supergraphReloads(): number;
  /** Where Prometheus scrapes `/metrics` (`METRICS_PORT`) once started; null when metrics are not served. */
  metricsUrl(): string | null;
}

export interface GatewayDependencies {
  logger?: Logger;
  accessTokens?: AccessTokenVerifier;
  /** Told of every authorization denial (who, which fields, which operation). */
  onDenied?: (denial: AuthorizationDenial) => void;
  /** The event bus for authorization-denied events; by default Kafka (KAFKA_BROKERS) or an in-process bus. */
  eventTransport?: EventTransport;
  /** [subscriptions] graphql-ws tuning (the `connection_init` wait and limits come from config). */
  subscriptions?: { keepAliveMs?: number };
}

export function createGatewayServer(config: GatewayConfig, dependencies: GatewayDependencies = {}): GatewayServer {
  const development = config.NODE_ENV === 'development';
  const logger = dependencies.logger ?? createLogger({ service: 'gateway', level: config.LOG_LEVEL });
  const metrics = createMetrics('gateway');
  const operatorMetrics = createGatewayOperatorMetrics(metrics.registry);
  const proofs = createGatewayProofSigner({ privateJwk: config.GATEWAY_SIGNING_KEY });
  const accessTokens =
    dependencies.accessTokens ??
    createAccessTokenVerifier({
      jwksUrl: config.AUTH_JWKS_URL,
      issuer: config.ACCESS_TOKEN_ISSUER,
      audience: config.ACCESS_TOKEN_AUDIENCE,
    });
  const supergraphPath = path.resolve(config.SUPERGRAPH_PATH);
  const supergraph: SupergraphFileState = { loaded: false, hash: null, reloads: 0 };
  const urlOverrides = config.SUBGRAPH_URLS ?? {};
  const redis: RedisClient | undefined = config.REDIS_URL ? createRedis(config.REDIS_URL, 'gateway') : undefined;
  // ioredis reconnects by itself; a lost Redis is logged (and fails /readyz), never an unhandled 'error' event.
  redis?.on('error', (error: Error) => logger.warn({ err: error }, 'redis connection error'));
  const permissions: PermissionResolver = createPermissionResolver({
    authz: createInternalClient({ baseUrl: config.AUTHZ_INTERNAL_URL, credential: config.AUTHZ_INTERNAL_CREDENTIAL }),
    ...(redis ? { redis } : {}),
    logger,
    ttlSeconds: config.PERMISSIONS_CACHE_TTL_SECONDS,
    onLookup: operatorMetrics.permissionLookup,
  });

  // The authorization requirements come from the supergraph itself; @apollo/gateway gets the
  // same supergraph without the security features it does not support.
  const authorization: { requirements: AuthorizationRequirements | null } = { requirements: null };
  // [edge] the @cost/@listSize of the same supergraph, swapped in with it.
  const costs: { model: CostModel } = { model: EMPTY_COST_MODEL };
  // [denials] every authorization denial becomes an event for the audit log.
  const eventTransport =
    dependencies.eventTransport ??
    createEventTransport({ kafkaBrokers: config.KAFKA_BROKERS, clientId: 'gateway', logger });
  const publishDenial = createDenialPublisher({
    transport: eventTransport,
    requirements: () => authorization.requirements,
    logger,
    registry: metrics.registry,
  });
  const onDenied = (denial: AuthorizationDenial) => {
    publishDenial(denial);
    dependencies.onDenied?.(denial);
  };
  disableApolloGatewayTelemetry();
  if (config.AUTHORIZATION_MODE === 'off') {
    logger.warn('AUTHORIZATION_MODE=off: the gateway does not enforce the authorization directives');
  }
  // [perf] pooled keep-alive subgraph connections; identical in-flight queries shared (http-client.ts, inbound-deduplication.ts)
  const subgraphHttp = createSubgraphHttpClient({
    timeoutMs: config.SUBGRAPH_TIMEOUT_MS,
    connectionsPerOrigin: config.SUBGRAPH_CONNECTIONS,
    deduplicate: config.SUBGRAPH_DEDUPLICATION,
  });
  const executeApolloRequest = createDeduplicatingExecutor(config.INBOUND_DEDUPLICATION);
  const inner = new ApolloGateway({
    supergraphSdl: supergraphFromFile(supergraphPath, logger, supergraph, (sdl) => {
      const { requirements, gatewaySupergraphSdl } = readAuthorization(sdl);
      const model = readCostModel(sdl);
      return {
        gatewaySdl: gatewaySupergraphSdl,
        commit: () => {
          authorization.requirements = requirements;
          costs.model = model;
        },
      };
    }),
    buildService: ({ name, url }) =>
      new SubgraphDataSource(name, urlOverrides[name] ?? url ?? '', proofs, subgraphHttp),
    logger,
  });
  // One authorization path (and one denial report) for HTTP operations and subscriptions.
  const enforcer = new AuthorizationEnforcer({
    requirements: () => authorization.requirements,
    mode: config.AUTHORIZATION_MODE === 'off' ? null : config.AUTHORIZATION_MODE,
    policies: createPolicyRegistry({ recentAuthenticationMaxAgeSeconds: config.RECENT_AUTHENTICATION_MAX_AGE_SECONDS }),
    logger,
    registry: metrics.registry,
    onDenied,
  });
  // [sessions] access tokens end with their session: auth's session.revoked events feed the set.
  const revokedSessions = redis ? createRedisRevokedSessions(redis) : createMemoryRevokedSessions();
  let revocations: TransportSubscription | undefined;
  const callers = createCallerResolver({ accessTokens, permissions, revokedSessions });
  // [operation limits] refused at parse and validation, before any planning or subgraph fetch.
  const operationLimits = operationLimitsFrom(config);
  const formatError = createErrorFormatter({ logger, exposeInternals: development });
  // [edge] rate limits (Redis when configured), the cost limit, trusted documents or APQ.
  const rateLimitSettings = rateLimitSettingsFrom(config);
  const rateLimits =
    rateLimitSettings &&
    createRateLimits(rateLimitSettings, { ...(redis ? { redis } : {}), onRefused: operatorMetrics.rateLimitRefused });
  const edge = createEdgeLimits({
    costModel: () => costs.model,
    limits: config.OPERATION_LIMITS ? operationLimits : null,
    rateLimits,
  });
  const trustedDocuments =
    config.TRUSTED_DOCUMENTS === 'enforce' ? loadTrustedDocuments(path.resolve(config.TRUSTED_DOCUMENTS_DIR)) : null;
  const gateway = new AuthorizingGateway({ inner, enforcer, queryPlanExecutor: config.QUERY_PLAN_EXECUTOR });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: config.ENABLE_INTROSPECTION,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: development,
    ...(config.OPERATION_LIMITS
      ? { parseOptions: parseOptionsOf(operationLimits), validationRules: operationLimitRules(operationLimits) }
      : {}),
    // No "Did you mean …?" field suggestions in production: they map the schema for a caller.
    hideSchemaDetailsFromClientErrors: config.NODE_ENV === 'production',
    formatError: (formatted, error) => formatError(formatOperationLimitError(formatted, error, operationLimits), error),
    stopOnTerminationSignals: false,
    logger,
    // Enforced: only the contract's hashes resolve, nothing is registered. Off: APQ in Apollo
    // Server's own bounded (about 30 MiB) in-memory LRU cache.
    persistedQueries: trustedDocuments ? { cache: trustedDocumentCache(trustedDocuments), ttl: null } : {},
    plugins: [
      edge.plugin,
      metricsPlugin(metrics),
      config.ENABLE_SANDBOX
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })
        : ApolloServerPluginLandingPageDisabled(),
    ],
  });

  /** Counts one request against `subject`'s rate limits: false when it was refused (429 sent). */
  const countRequest = async (res: ServerResponse, subject: RateLimitSubject, counted: RateLimitState[]) => {
    if (!rateLimits) return true;
    const decision = await rateLimits.request(subject);
    counted.push(...decision.states);
    if (decision.retryAfterSeconds === null) return true;
    metrics.errors.inc({ code: 'RATE_LIMITED' });
    const refusal = rateLimitedError(decision.retryAfterSeconds);
    sendJson(
      res,
      429,
      { errors: [{ message: refusal.message, extensions: refusal.extensions }] },
      { 'retry-after': String(decision.retryAfterSeconds), ...rateLimitHeaders(counted) },
    );
    return false;
  };

  const graphql: RouteHandler = async ({ req, res, url, requestId, logger: requestLogger }) => {
    if (applyCors(req, res, config.CORS_ORIGINS)) return;
    const client = clientInfo(req, config.TRUSTED_PROXIES);
    const rateLimitStates: RateLimitState[] = [];
    // Per client first, before the token is verified: a flood of bad tokens is counted too.
    if (!(await countRequest(res, { client: client.ip ?? 'unknown', userId: null }, rateLimitStates))) return;
    let resolved;
    try {
      resolved = await callers.resolve({ authorization: req.headers.authorization }, requestId);
    } catch (error) {
      if (!(error instanceof InvalidAccessTokenError)) throw error;
      // An invalid token is an error, never a silent downgrade to anonymous.
      requestLogger.info({ reason: error.reason }, 'rejected an invalid access token');
      metrics.errors.inc({ code: 'UNAUTHENTICATED' });
      sendJson(
        res,
        401,
        { errors: [{ message: 'Invalid or expired access token', extensions: { code: 'UNAUTHENTICATED' } }] },
        { 'www-authenticate': 'Bearer error="invalid_token"' },
      );
      return;
    }
    if (resolved.caller.userId !== null) {
      if (!(await countRequest(res, { client: null, userId: resolved.caller.userId }, rateLimitStates))) return;
    }
    try {
      await executeApolloRequest(
        apollo,
        req,
        res,
        url,
        async () => ({
          requestId,
          caller: resolved.caller,
          authTime: resolved.authTime,
          logger: requestLogger,
          client,
          rateLimitStates,
        }),
        {
          bodyLimitBytes: config.MAX_REQUEST_BODY_BYTES,
          // Before anything is parsed: an untrusted document costs a hash.
          ...(trustedDocuments ? { screen: screenTrustedDocuments(trustedDocuments) } : {}),
        },
      );
    } catch (error) {
      if (!(error instanceof HttpError) || error.status !== 413 || res.headersSent) throw error;
      // Refused by its Content-Length before a byte is read, or as soon as it grows past the
      // limit; the connection closes rather than drain the rest of a huge body.
      sendJson(
        res,
        413,
        { errors: [{ message: error.message, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] },
        { connection: 'close' },
      );
    }
  };

  // authz announces a new permissions version here when there is no Redis to share it.
  const invalidatePermissions: RouteHandler = async ({ req, res }) => {
    authenticateService(req, config.INTERNAL_API_CREDENTIALS);
    const body = (await readJsonBody(req, 1024)) as { version?: unknown } | undefined;
    if (typeof body?.version !== 'number' || !Number.isInteger(body.version)) {
      throw new HttpError(400, 'The body must be JSON: { "version": integer }');
    }
    permissions.invalidate(body.version);
    sendJson(res, 200, { ok: true });
  };

  // Ready means this replica can serve: its supergraph is loaded and its own dependency (Redis,
  // when configured) answers. Subgraphs are reported, never counted: one subgraph down must not
  // take every gateway replica out of rotation (the others' fields still resolve, and that
  // subgraph's own readiness takes its pods out).
  const readiness = async (): Promise<Readiness> => {
    const subgraphs = supergraph.loaded ? await subgraphsOf(supergraphPath, urlOverrides) : [];
    const [redisReachable, reachable] = await Promise.all([
      redis ? withinOneSecond(isRedisReachable(redis)) : Promise.resolve(null),
      Promise.all(
        subgraphs.map(async (subgraph) => {
          try {
            const response = await fetch(new URL('/healthz', subgraph.url), { signal: AbortSignal.timeout(1000) });
            return [subgraph.name, response.ok] as const;
          } catch {
            return [subgraph.name, false] as const;
          }
        }),
      ),
    ]);
    return {
      ready: supergraph.loaded && redisReachable !== false,
      checks: {
        supergraph: supergraph.loaded,
        ...(redisReachable === null ? {} : { redis: redisReachable }),
        subgraphs: Object.fromEntries(reachable),
      },
    };
  };

  const httpServer = createHttpServer({
    logger,
    metrics,
    security: {
      trustedProxies: config.TRUSTED_PROXIES,
      contentSecurityPolicy: gatewayContentSecurityPolicy(config.ENABLE_SANDBOX),
    },
    routes: [
      { method: '*', path: '/graphql', handler: graphql },
      // No /metrics here: this port is public (see metricsServer).
      ...probeRoutes({ readiness }),
      { method: 'POST', path: '/internal/authz/invalidate', handler: invalidatePermissions },
    ],
  });

  // [metrics] on a port of their own (METRICS_PORT), never the public one: what clients do must not
  // be readable there, and scraping must not compete with client traffic. Unset: not served.
  const metricsServer =
    config.METRICS_PORT === undefined ? null : createHttpServer({ logger, routes: [metricsRoute(metrics)] });
  let metricsUrl: string | null = null;

  // [subscriptions] graphql-ws on the same server and path, authorized like queries.
  const subscriptions = attachGatewaySubscriptions({
    httpServer,
    path: '/graphql',
    gateway: inner,
    callers,
    permissions,
    revokedSessions,
    enforcer,
    proofs,
    subgraphUrls: urlOverrides,
    trustedProxies: config.TRUSTED_PROXIES,
    logger,
    exposeInternals: development,
    operationLimits,
    checkOperation: edge.checkOperation,
    rateLimits,
    trustedDocuments,
    hideSuggestions: config.NODE_ENV === 'production',
    maxPayloadBytes: config.WS_MAX_MESSAGE_BYTES,
    connectionInitWaitTimeoutMs: config.WS_CONNECTION_INIT_TIMEOUT_MS,
    maxConnections: config.WS_MAX_CONNECTIONS,
    maxConnectionsPerClient: config.WS_MAX_CONNECTIONS_PER_CLIENT,
    maxSubscriptionsPerConnection: config.WS_MAX_SUBSCRIPTIONS_PER_CONNECTION,
    metrics,
    ...dependencies.subscriptions,
  });

  const lifecycle = apolloServerLifecycle({ apollo, httpServer, webSocket: subscriptions });
  return {
    httpServer,
    async start(port, host) {
      revocations = await consumeSessionRevocations({
        transport: eventTransport,
        revoked: revokedSessions,
        shared: redis !== undefined,
        accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
        logger,
      });
      const running = await lifecycle.start(port, host);
      if (metricsServer) metricsUrl = `${(await listen(metricsServer, config.METRICS_PORT!, host)).url}/metrics`;
      logger.info({ url: `${running.url}/graphql`, sandbox: config.ENABLE_SANDBOX }, 'gateway listening');
      return running;
    },
    async stop() {
      await lifecycle.stop(); // subscriptions, HTTP, then Apollo
      if (metricsServer?.listening) await new Promise((resolve) => metricsServer.close(resolve));
      await revocations?.stop();
      redis?.disconnect();
      if (!dependencies.eventTransport) await eventTransport.close();
      await subgraphHttp.close(); // [perf]
    },
    supergraphReloads: () => supergraph.reloads,
    metricsUrl: () => metricsUrl,
  };
}

/** `check`'s answer, or false when it takes over a second (a probe must answer within its timeout). */
function withinOneSecond(check: Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 1000)));
  return Promise.race([check, late]).finally(() => clearTimeout(timer));
}
