/**
 * Builds the authz subgraph: database (migrated when configured, seeded with the catalog
 * and system roles at every start), the GraphQL endpoint behind the gateway proof, the
 * internal API for the gateway and identity, and the channel that tells the gateway about
 * permission changes. Building is separate from listening; `main.ts` starts what this returns.
 */
import { fileURLToPath } from 'node:url';
import { Counter } from 'prom-client';
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
  type Database,
  type Logger,
  type RedisClient,
} from '@platform/service-kit';
import type { EventTransport } from '@platform/service-kit/events';
import type { AuthzConfig } from './config.js';
import { createContextFactory, type Context } from './context.js';
import { createChangeRunner } from './domain/changes.js';
import { createRbacService } from './domain/rbac.js';
import {
  createServiceEvents,
  type ServiceEvents,
  withOutboxRelay,
  type PublishingServer,
} from '@platform/service-kit/events';
import {
  createGatewayInvalidationNotifier,
  createRedisInvalidationNotifier,
  createVersionPublisher,
  noInvalidationNotifier,
  type InvalidationNotifier,
} from './invalidation.js';
import { createInternalRoutes } from './internal/routes.js';
import { resolvers } from './resolvers/index.js';
import { seedAuthz } from './seed.js';
import { createInTransaction, createStores } from './stores/index.js';

export type { AuthzConfig } from './config.js';
export type { InvalidationNotifier } from './invalidation.js';
export {
  createGatewayInvalidationNotifier,
  createRedisInvalidationNotifier,
  GATEWAY_INVALIDATE_PATH,
  PERMISSIONS_VERSION_KEY,
} from './invalidation.js';
export { seedAuthz, type SeedOptions, type SeedResult } from './seed.js';

export const SUBGRAPH_NAME = 'authz';

/** Applies authz's pending migrations to `db`; returns the names applied. For seeding before the first start. */
export function migrateAuthzDatabase(db: Database): Promise<string[]> {
  return migrateToLatest(db, MIGRATIONS_FOLDER);
}

const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../migrations/authz/', import.meta.url));

export interface AuthzServerDependencies {
  /** Where logs go; by default a JSON logger on stdout at `LOG_LEVEL`. */
  logger?: Logger;
  /**
   * Tells the gateway about permission changes; by default Redis when `REDIS_URL` is set,
   * else the gateway's internal API when `GATEWAY_INTERNAL_URL` is set, else nothing.
   */
  invalidationNotifier?: InvalidationNotifier;
  /**
   * The bus the outbox relay publishes to; by default Kafka (`KAFKA_BROKERS`) or a private
   * in-process bus. A transport given here is shared (tests, one process running several
   * services) and is not closed when the server stops.
   */
  eventTransport?: EventTransport;
}

/** The server, plus its event transport and outbox relay. */
export type AuthzServer = PublishingServer;

export async function createAuthzServer(
  config: AuthzConfig,
  dependencies: AuthzServerDependencies = {},
): Promise<AuthzServer> {
  const logger = dependencies.logger ?? createLogger({ service: SUBGRAPH_NAME, level: config.LOG_LEVEL });
  const metrics = createMetrics(SUBGRAPH_NAME);
  const db = createDatabase({
    url: config.DATABASE_URL,
    poolMax: config.DATABASE_POOL_MAX,
    applicationName: SUBGRAPH_NAME,
  });
  registerPoolMetrics(metrics, db);
  const invalidations = new Counter({
    name: 'authz_version_publications_total',
    help: 'Permissions versions published to the gateway, by channel and outcome',
    labelNames: ['channel', 'outcome'],
    registers: [metrics.registry],
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
      const applied = await migrateToLatest(db, MIGRATIONS_FOLDER);
      if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    }

    let notifier = dependencies.invalidationNotifier;
    if (!notifier && config.REDIS_URL) {
      redis = createRedis(config.REDIS_URL, SUBGRAPH_NAME);
      // ioredis reconnects by itself; log instead of crashing on an unhandled 'error' event.
      redis.on('error', (error: Error) => logger.warn({ err: error }, 'redis connection error'));
      notifier = createRedisInvalidationNotifier(redis);
    }
    if (!notifier && config.GATEWAY_INTERNAL_URL && config.GATEWAY_INTERNAL_CREDENTIAL) {
      notifier = createGatewayInvalidationNotifier({
        gatewayInternalUrl: config.GATEWAY_INTERNAL_URL,
        credential: config.GATEWAY_INTERNAL_CREDENTIAL,
      });
    }
    if (!notifier) {
      logger.warn(
        'neither REDIS_URL nor GATEWAY_INTERNAL_URL is set: the gateway is not told about permission changes',
      );
      notifier = noInvalidationNotifier;
    }
    const publisher = createVersionPublisher({ notifier, logger, counter: invalidations });

    // The system roles and the catalog exist before the first request, in every database.
    const seeded = await seedAuthz(db, { logger });
    await publisher.announce(seeded.version);

    const started = createServiceEvents({
      db,
      logger,
      metrics,
      clientId: SUBGRAPH_NAME,
      kafkaBrokers: config.KAFKA_BROKERS,
      transport: dependencies.eventTransport,
    });
    events = started;

    const stores = createStores(db);
    const rbac = createRbacService({
      stores,
      runChange: createChangeRunner({ inTransaction: createInTransaction(db), publisher }),
    });

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
      createContext: createContextFactory({ rbac, stores }),
      readinessChecks,
      routes: createInternalRoutes({ credentials: config.INTERNAL_API_CREDENTIALS, rbac }),
      onStop: closeResources,
    });
    return withOutboxRelay(server, started);
  } catch (error) {
    await closeResources();
    throw error;
  }
}
