/**
 * Builds the auth subgraph: GraphQL (login, refresh, logout, User.sessions), the JWKS,
 * the internal session-revocation API, health and metrics. Building does not listen;
 * `main.ts` starts it, tests start it on port 0.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createDatabase,
  createGatewayProofVerifier,
  createLogger,
  createMetrics,
  createRedis,
  createSubgraphServer,
  isDatabaseReachable,
  isRedisReachable,
  loadSchema,
  migrateToLatest,
  registerPoolMetrics,
  type Logger,
  type RedisClient,
} from '@platform/service-kit';
import type { EventTransport } from '@platform/service-kit/events';
import DataLoader from 'dataloader';
import type { AuthConfig } from './config.js';
import type { Context } from './context.js';
import { createAccessTokenIssuer } from './domain/access-tokens.js';
import {
  createMemoryLoginThrottle,
  createRedisLoginThrottle,
  type LoginThrottlePolicy,
} from './domain/login-throttle.js';
import { createSessionService } from './domain/session-service.js';
import {
  createSigningKeyRing,
  developmentKeysFile,
  loadOrCreateDevelopmentKeys,
  type PrivateSigningJwk,
} from './domain/signing-keys.js';
import {
  createServiceEvents,
  type ServiceEvents,
  withOutboxRelay,
  type PublishingServer,
} from '@platform/service-kit/events';
import { createIdentityCredentialsVerifier, type CredentialsVerifier } from './identity-client.js';
import { internalRoutes, jwksRoute } from './internal/routes.js';
import { resolvers } from './resolvers/index.js';

export type { AuthConfig } from './config.js';
export type { CredentialsVerifier } from './identity-client.js';
export { ACCESS_TOKEN_ALGORITHM, ACCESS_TOKEN_TYPE } from './domain/access-tokens.js';

export const SUBGRAPH_NAME = 'auth';

const migrationsFolder = fileURLToPath(new URL('../../../migrations/auth', import.meta.url));

export interface AuthServerDependencies {
  logger?: Logger;
  /** Replaces the call to identity's credential check (tests). */
  credentialsVerifier?: CredentialsVerifier;
  /**
   * The bus the outbox relay publishes to; by default Kafka (`KAFKA_BROKERS`) or a private
   * in-process bus. A transport given here is shared (tests, one process running several
   * services) and is not closed when the server stops.
   */
  eventTransport?: EventTransport;
}

/** The server, plus its event transport and outbox relay. */
export type AuthServer = PublishingServer;

async function signingKeysFor(config: AuthConfig, logger: Logger): Promise<PrivateSigningJwk[]> {
  if (config.SIGNING_KEYS) return config.SIGNING_KEYS;
  // The config refuses production without SIGNING_KEYS; this guards callers that bypass it.
  if (config.NODE_ENV === 'production') throw new Error('SIGNING_KEYS is required when NODE_ENV=production');
  const file = developmentKeysFile(config.DATA_DIR);
  logger.info({ file }, 'SIGNING_KEYS not set: using development signing keys');
  return loadOrCreateDevelopmentKeys(file);
}

export async function createAuthServer(
  config: AuthConfig,
  dependencies: AuthServerDependencies = {},
): Promise<AuthServer> {
  const logger = dependencies.logger ?? createLogger({ service: SUBGRAPH_NAME, level: config.LOG_LEVEL });
  const db = createDatabase({
    url: config.DATABASE_URL,
    poolMax: config.DATABASE_POOL_MAX,
    applicationName: SUBGRAPH_NAME,
  });
  let redis: RedisClient | null = null;
  let events: ServiceEvents | null = null;
  const closeResources = async () => {
    // Events committed so far stay in the outbox; the next start publishes them.
    await events?.stop();
    if (redis) {
      const client = redis;
      await client.quit().catch(() => client.disconnect());
    }
    await db.destroy();
  };

  try {
    if (config.MIGRATE_ON_START) {
      const applied = await migrateToLatest(db, path.resolve(migrationsFolder));
      if (applied.length > 0) logger.info({ migrations: applied }, 'applied database migrations');
    }
    const keyRing = await createSigningKeyRing(await signingKeysFor(config, logger));

    const policy: LoginThrottlePolicy = {
      maxFailures: config.LOGIN_MAX_FAILURES,
      failureWindowSeconds: config.LOGIN_FAILURE_WINDOW_SECONDS,
      lockSeconds: config.LOGIN_LOCK_SECONDS,
    };
    if (config.REDIS_URL) {
      redis = createRedis(config.REDIS_URL, SUBGRAPH_NAME);
      // ioredis reconnects by itself; log instead of crashing on an unhandled 'error' event.
      redis.on('error', (error: Error) => logger.warn({ err: error }, 'redis connection error'));
    }
    const throttle = redis ? createRedisLoginThrottle(redis, policy) : createMemoryLoginThrottle(policy);

    const sessions = createSessionService({
      db,
      accessTokens: createAccessTokenIssuer({
        keyRing,
        issuer: config.ACCESS_TOKEN_ISSUER,
        audience: config.ACCESS_TOKEN_AUDIENCE,
        ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      }),
      credentials:
        dependencies.credentialsVerifier ??
        createIdentityCredentialsVerifier({
          identityInternalUrl: config.IDENTITY_INTERNAL_URL,
          credential: config.IDENTITY_INTERNAL_CREDENTIAL,
        }),
      throttle,
      refreshTokenTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
      maxFailedLogins: config.LOGIN_MAX_FAILURES,
    });

    const metrics = createMetrics(SUBGRAPH_NAME);
    registerPoolMetrics(metrics, db);
    const started = createServiceEvents({
      db,
      logger,
      metrics,
      clientId: SUBGRAPH_NAME,
      kafkaBrokers: config.KAFKA_BROKERS,
      transport: dependencies.eventTransport,
    });
    events = started;
    const readinessChecks: Record<string, () => Promise<boolean>> = { database: () => isDatabaseReachable(db) };
    const redisClient = redis;
    if (redisClient) readinessChecks.redis = () => isRedisReachable(redisClient);

    const server = createSubgraphServer<Context>({
      name: SUBGRAPH_NAME,
      typeDefs: loadSchema(new URL('./schema.graphql', import.meta.url)),
      resolvers,
      logger,
      metrics,
      proofVerifier: createGatewayProofVerifier({ jwks: config.GATEWAY_PUBLIC_JWKS, audience: SUBGRAPH_NAME }),
      exposeInternals: config.NODE_ENV === 'development',
      createContext: (base) => ({
        ...base,
        sessions,
        activeSessionsByUserId: new DataLoader((userIds: readonly string[]) =>
          sessions.listActiveSessions(userIds).then((byUser) => userIds.map((id) => byUser.get(id) ?? [])),
        ),
      }),
      readinessChecks,
      routes: [jwksRoute(keyRing), ...internalRoutes({ credentials: config.INTERNAL_API_CREDENTIALS, sessions })],
      onStop: closeResources,
    });
    return withOutboxRelay(server, started);
  } catch (error) {
    await closeResources();
    throw error;
  }
}
