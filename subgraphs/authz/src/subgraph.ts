/**
 * The authz subgraph: roles, permissions, role assignments and the effective permissions the
 * gateway enforces. Its database is seeded with the catalog and the system roles at every
 * start; the gateway and identity call its internal API; identity's user events give new users
 * the default role and take a deleted user's roles; each permissions version is published to
 * the gateway (Redis when `REDIS_URL` is set, else the gateway's internal API when configured).
 */
import { fileURLToPath } from 'node:url';
import { Counter } from 'prom-client';
import {
  defineSubgraph,
  migrateToLatest,
  type Database,
  type SubgraphConfig,
  type SubgraphDependencies,
} from '@platform/service-kit';
import { createContextFactory } from './context.js';
import { JOB_SERVICES } from './__generated__/job-services.js';
import { createBackgroundJobsAdmin } from './domain/background-jobs.js';
import { createChangeRunner } from './domain/changes.js';
import { createRbacService } from './domain/rbac.js';
import { CONSUMED_IDENTITY_EVENTS, createIdentityEventHandlers } from './identity-events.js';
import { createInternalRoutes } from './internal/routes.js';
import {
  createGatewayInvalidationNotifier,
  createRedisInvalidationNotifier,
  createVersionPublisher,
  noInvalidationNotifier,
  type InvalidationNotifier,
} from './invalidation.js';
import { resolvers } from './resolvers/index.js';
import { seedAuthz } from './seed.js';
import { createStores } from './stores/index.js';

export type { InvalidationNotifier } from './invalidation.js';
export { seedAuthz, type SeedOptions, type SeedResult } from './seed.js';

const MIGRATIONS = new URL('../../../migrations/authz/', import.meta.url);

/** Applies authz's pending migrations to `db`; returns the names applied. For seeding before the first start. */
export function migrateAuthzDatabase(db: Database): Promise<string[]> {
  return migrateToLatest(db, fileURLToPath(MIGRATIONS));
}

/** What a host (a test) may replace. */
export interface AuthzOverrides {
  /** Where new permissions versions go, instead of Redis or the gateway's internal API. */
  invalidationNotifier: InvalidationNotifier;
}

type AuthzDependencies = SubgraphDependencies<SubgraphConfig, AuthzOverrides>;

/** Redis when configured, else the gateway's internal API when configured, else nobody (with a warning). */
function invalidationNotifier({ redis, internal, logger }: AuthzDependencies): InvalidationNotifier {
  const client = redis();
  if (client) return createRedisInvalidationNotifier(client);
  const gateway = internal('gateway');
  if (gateway) {
    return createGatewayInvalidationNotifier({ gatewayInternalUrl: gateway.url, credential: gateway.credential });
  }
  logger.warn('neither REDIS_URL nor GATEWAY_INTERNAL_URL is set: the gateway is not told about permission changes');
  return noInvalidationNotifier;
}

export const authzSubgraph = defineSubgraph({
  name: 'authz',
  port: 4003,
  schema: new URL('./schema.graphql', import.meta.url),
  migrations: MIGRATIONS,
  resolvers,
  // No variables of its own: the base ones, and the gateway's for the optional call.
  config: {},
  // The services whose background jobs it administers (their internal jobs API; every subgraph that runs
  // jobs, generated from the registry), optional like the gateway's.
  calls: [
    { service: 'gateway', optional: true },
    ...JOB_SERVICES.map((service) => ({ service, optional: true as const })),
  ],
  internalApi: { callers: ['gateway', 'identity'] },
  consumes: CONSUMED_IDENTITY_EVENTS,
  validate: (config): Record<string, string> => {
    // The variables of the optional call to the gateway, which the kit adds to the base ones.
    const gateway = config as { GATEWAY_INTERNAL_URL?: string; GATEWAY_INTERNAL_CREDENTIAL?: string };
    if ((gateway.GATEWAY_INTERNAL_URL === undefined) === (gateway.GATEWAY_INTERNAL_CREDENTIAL === undefined)) return {};
    return {
      GATEWAY_INTERNAL_CREDENTIAL:
        'GATEWAY_INTERNAL_URL and GATEWAY_INTERNAL_CREDENTIAL go together: set both (to notify the gateway) or neither',
    };
  },
  async setup(dependencies: AuthzDependencies) {
    const { db, logger, metrics, overrides, authenticateService, internal } = dependencies;
    const publisher = createVersionPublisher({
      notifier: overrides.invalidationNotifier ?? invalidationNotifier(dependencies),
      logger,
      counter: new Counter({
        name: 'authz_version_publications_total',
        help: 'Permissions versions published to the gateway, by channel and outcome',
        labelNames: ['channel', 'outcome'],
        registers: [metrics.registry],
      }),
    });

    // The system roles and the catalog exist before the first request, in every database.
    const seeded = await seedAuthz(db, { logger });
    await publisher.announce(seeded.version);

    const stores = createStores(db);
    const rbac = createRbacService({ stores, runChange: createChangeRunner({ db, publisher }) });
    return {
      context: createContextFactory({
        rbac,
        stores,
        backgroundJobs: createBackgroundJobsAdmin(new Map(JOB_SERVICES.map((service) => [service, internal(service)]))),
      }),
      routes: createInternalRoutes({ authenticateService, rbac }),
      handlers: createIdentityEventHandlers({ rbac, logger }),
    };
  },
});
