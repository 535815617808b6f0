/**
 * Builds the identity subgraph: database (migrated when configured), password hashing,
 * the GraphQL endpoint behind the gateway proof, and the internal API for the auth
 * service. Building is separate from listening; `main.ts` starts what this returns.
 * Also exports what the platform's seed command needs to create the admin account in
 * identity's own database (`seedIdentity`, the password hasher, the migrations).
 */
import { fileURLToPath } from 'node:url';
import { Counter } from 'prom-client';
import {
  createDatabase,
  createGatewayProofVerifier,
  createLogger,
  createMetrics,
  createSubgraphServer,
  isDatabaseReachable,
  loadSchema,
  migrateToLatest,
  registerPoolMetrics,
  type Database,
  type Logger,
} from '@platform/service-kit';
import type { EventTransport } from '@platform/service-kit/events';
import { createAuthSessionRevoker, type SessionRevoker } from './auth-client.js';
import { createAuthzClient, type AuthzClient } from './authz-client.js';
import type { IdentityConfig } from './config.js';
import { createContextFactory } from './context.js';
import { createBackgroundTasks } from './domain/background.js';
import { createPasswordHasher, type PasswordHasher } from './domain/passwords.js';
import { createServiceEvents, withOutboxRelay, type PublishingServer } from '@platform/service-kit/events';
import { createInternalRoutes } from './internal/routes.js';
import { resolvers } from './resolvers/index.js';
import { createInTransaction, createStores } from './stores/index.js';

export const SUBGRAPH_NAME = 'identity';

const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../migrations/identity/', import.meta.url));

export interface IdentityServerDependencies {
  /** Where logs go; by default a JSON logger on stdout at `LOG_LEVEL`. */
  logger?: Logger;
  /** Signs users out after a password change or a deletion; by default the auth service's internal API. */
  sessionRevoker?: SessionRevoker;
  /** Role assignments (default role, removal on deletion); by default the authz service's internal API. */
  authz?: AuthzClient;
  /**
   * The bus the outbox relay publishes to; by default Kafka (`KAFKA_BROKERS`) or a private
   * in-process bus. A transport given here is shared (tests, one process running several
   * services) and is not closed when the server stops.
   */
  eventTransport?: EventTransport;
}

/** The server, plus its event transport and outbox relay. */
export type IdentityServer = PublishingServer;

export type { RevokeSessionsInput, SessionRevoker } from './auth-client.js';
export { LastAdminError, type AuthzClient } from './authz-client.js';
export type { IdentityConfig } from './config.js';
export type { PasswordHasher } from './domain/passwords.js';
export { seedIdentity, type SeedIdentityOptions, type SeedIdentityResult } from './seed.js';

/** The argon2id settings of identity's configuration (the seed command needs only these). */
export type PasswordSettings = Pick<IdentityConfig, 'ARGON2_MEMORY_KIB' | 'ARGON2_ITERATIONS' | 'ARGON2_PARALLELISM'>;

/** The password hasher identity uses, with the configured argon2id parameters (for `seedIdentity`). */
export function createIdentityPasswordHasher(
  settings: PasswordSettings,
  onVerification?: (target: 'account' | 'dummy') => void,
): Promise<PasswordHasher> {
  return createPasswordHasher(
    {
      memoryKib: settings.ARGON2_MEMORY_KIB,
      iterations: settings.ARGON2_ITERATIONS,
      parallelism: settings.ARGON2_PARALLELISM,
    },
    onVerification,
  );
}

/** Applies identity's pending migrations to `db`; returns the names applied. For seeding before the first start. */
export function migrateIdentityDatabase(db: Database): Promise<string[]> {
  return migrateToLatest(db, MIGRATIONS_FOLDER);
}

export async function createIdentityServer(
  config: IdentityConfig,
  dependencies: IdentityServerDependencies = {},
): Promise<IdentityServer> {
  const logger = dependencies.logger ?? createLogger({ service: SUBGRAPH_NAME, level: config.LOG_LEVEL });
  const metrics = createMetrics(SUBGRAPH_NAME);
  const db = createDatabase({
    url: config.DATABASE_URL,
    poolMax: config.DATABASE_POOL_MAX,
    applicationName: SUBGRAPH_NAME,
  });
  registerPoolMetrics(metrics, db);
  const passwordVerifications = new Counter({
    name: 'password_verifications_total',
    help: 'argon2id verifications, against an account hash or the dummy hash used for unknown emails',
    labelNames: ['target'],
    registers: [metrics.registry],
  });

  let passwords;
  try {
    if (config.MIGRATE_ON_START) {
      const applied = await migrateToLatest(db, MIGRATIONS_FOLDER);
      if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    }
    passwords = await createIdentityPasswordHasher(config, (target) => passwordVerifications.inc({ target }));
  } catch (error) {
    await db.destroy();
    throw error;
  }

  const stores = createStores(db);
  const events = createServiceEvents({
    db,
    logger,
    metrics,
    clientId: SUBGRAPH_NAME,
    kafkaBrokers: config.KAFKA_BROKERS,
    transport: dependencies.eventTransport,
  });
  const background = createBackgroundTasks();
  const sessions =
    dependencies.sessionRevoker ??
    createAuthSessionRevoker({
      authInternalUrl: config.AUTH_INTERNAL_URL,
      credential: config.AUTH_INTERNAL_CREDENTIAL,
    });
  const authz =
    dependencies.authz ??
    createAuthzClient({ authzInternalUrl: config.AUTHZ_INTERNAL_URL, credential: config.AUTHZ_INTERNAL_CREDENTIAL });

  const server = createSubgraphServer({
    name: SUBGRAPH_NAME,
    typeDefs: loadSchema(new URL('./schema.graphql', import.meta.url)),
    resolvers,
    logger,
    metrics,
    proofVerifier: createGatewayProofVerifier({ jwks: config.GATEWAY_PUBLIC_JWKS, audience: SUBGRAPH_NAME }),
    exposeInternals: config.NODE_ENV === 'development',
    createContext: createContextFactory({
      stores,
      inTransaction: createInTransaction(db),
      passwords,
      sessions,
      authz,
      background,
      mailLinks: { publicAppUrl: config.PUBLIC_APP_URL, logLinks: config.NODE_ENV === 'development' },
    }),
    readinessChecks: { database: () => isDatabaseReachable(db) },
    routes: createInternalRoutes({ credentials: config.INTERNAL_API_CREDENTIALS, users: stores.users, passwords }),
    async onStop() {
      // Scheduled work (password reset mails) still needs the pool.
      await background.drain();
      // Events committed so far stay in the outbox; the next start publishes them.
      await events.stop();
      await db.destroy();
    },
  });
  return withOutboxRelay(server, events);
}
