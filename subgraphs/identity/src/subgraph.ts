/**
 * The identity subgraph: users, profiles, passwords (argon2id), email verification and
 * password reset, and, for callers with the permissions, listing and deleting users.
 *
 * It serves the auth service's login a synchronous credential check (`internalApi`), and
 * asks authz synchronously only where it needs the answer: before a deletion, which authz
 * refuses for the last admin (`calls`). Every other reaction of another service (the default
 * role after a registration, ending sessions after a password change, a reset or a
 * deletion) follows from the events identity writes to its outbox with each change.
 *
 * Also exports what the platform's seed command needs to create the admin account in
 * identity's own database (`seedIdentity`, the password hasher, the migrations).
 */
import { fileURLToPath } from 'node:url';
import {
  createMemoryAttemptThrottle,
  createRedisAttemptThrottle,
  defineSubgraph,
  env,
  integerEnv,
  migrateToLatest,
  zeroedCounter,
  type Database,
} from '@platform/service-kit';
import { Counter } from 'prom-client';
import { z } from 'zod';
import { createAuthzClient } from './authz-client.js';
import { createContextFactory } from './context.js';
import { createBackgroundTasks } from './domain/background.js';
import { ARGON2_MINIMUM, createPasswordHasher, type PasswordHasher } from './domain/passwords.js';
import { createInternalRoutes } from './internal/routes.js';
import { resolvers } from './resolvers/index.js';
import { createInTransaction, createStores } from './stores/index.js';

export { LastAdminError, type AuthzClient } from './authz-client.js';
export type { PasswordHasher } from './domain/passwords.js';
export { seedIdentity, type SeedIdentityOptions, type SeedIdentityResult } from './seed.js';

export const identitySubgraph = defineSubgraph({
  name: 'identity',
  port: 4001,
  schema: new URL('./schema.graphql', import.meta.url),
  migrations: new URL('../../../migrations/identity/', import.meta.url),
  resolvers,
  config: {
    /** The client app's base URL, for the links in verification and reset mails. */
    PUBLIC_APP_URL: env.httpUrl.default('http://localhost:3000').transform((url) => url.replace(/\/+$/, '')),
    ARGON2_MEMORY_KIB: integerEnv(ARGON2_MINIMUM.memoryKib, ARGON2_MINIMUM.memoryKib, 4_194_304, 'OWASP minimum'),
    ARGON2_ITERATIONS: integerEnv(ARGON2_MINIMUM.iterations, ARGON2_MINIMUM.iterations, 64, 'OWASP minimum'),
    ARGON2_PARALLELISM: integerEnv(ARGON2_MINIMUM.parallelism, ARGON2_MINIMUM.parallelism, 16, 'OWASP minimum'),
    PASSWORD_CHANGE_MAX_FAILURES: integerEnv(5, 1, 100).describe(
      'Wrong current passwords in `changePassword` (per user) that lock it',
    ),
    PASSWORD_CHANGE_LOCK_SECONDS: integerEnv(900, 1, 86_400).describe(
      'The window wrong current passwords are counted in, and the first lock of `changePassword`, in seconds',
    ),
  },
  // Removing a user's roles before deleting them: authz may refuse (the last admin). The links
  // of verification and reset mails go to notifications, which mails them (never in an event).
  calls: ['authz', 'notifications'],
  // The login's credential check and the lookup behind account.locked: auth needs the answers.
  // authz administers identity's background jobs (the kit's /internal/jobs/*), and only those.
  internalApi: { callers: ['auth', 'authz'] },
  jobs: {
    // Daily; a run missed while identity was down is made up once at the next start. Cheap and
    // idempotent: retried within seconds, dead-lettered after three attempts for an admin to see.
    'identity.prune-tokens': {
      data: z.object({}),
      retryLimit: 2,
      retryDelay: 1,
      schedule: { cron: '23 3 * * *', tz: 'UTC', missed: 'once' },
      policy: 'singleton',
    },
  },
  async setup({ config, db, logger, metrics, redis, internal, authenticateService, onStop }) {
    const passwordVerifications = new Counter({
      name: 'password_verifications_total',
      help: 'argon2id verifications, against an account hash or the dummy hash used for unknown emails',
      labelNames: ['target'],
      registers: [metrics.registry],
    });
    // A business figure for the dashboards; seeded accounts (seed.ts) are not registrations.
    const registrations = zeroedCounter(metrics.registry, {
      name: 'identity_registrations_total',
      help: 'Accounts created by registration (Mutation.register)',
    });
    const passwords = await createIdentityPasswordHasher(config, (target) => passwordVerifications.inc({ target }));
    const authz = internal('authz');
    if (!authz) throw new Error('identity calls authz, which has no internal URL configured');
    const notifications = internal('notifications');
    if (!notifications) throw new Error('identity calls notifications, which has no internal URL configured');
    const stores = createStores(db);
    const background = createBackgroundTasks();
    // A stolen access token must not be a free password oracle: wrong current passwords are
    // throttled per user like sign-ins (in Redis when configured, shared by every instance).
    const policy = {
      maxFailures: config.PASSWORD_CHANGE_MAX_FAILURES,
      failureWindowSeconds: config.PASSWORD_CHANGE_LOCK_SECONDS,
      lockSeconds: config.PASSWORD_CHANGE_LOCK_SECONDS,
    };
    const redisClient = redis();
    const passwordChanges = redisClient
      ? createRedisAttemptThrottle(redisClient, policy, 'identity:password-change:')
      : createMemoryAttemptThrottle(policy);
    // Scheduled work (password reset mails) still needs the pool, which closes after the hooks.
    onStop(() => background.drain());

    return {
      context: createContextFactory({
        stores,
        inTransaction: createInTransaction(db),
        passwords,
        authz: createAuthzClient(authz.client),
        background,
        passwordChanges,
        mailLinks: { publicAppUrl: config.PUBLIC_APP_URL, notifications: notifications.client },
        countRegistration: () => registrations.inc(),
      }),
      routes: createInternalRoutes({ authenticateService, users: stores.users, passwords }),
      jobs: {
        // Deleting spent tokens twice deletes nothing the second time: safe to run again.
        'identity.prune-tokens': async () => {
          const pruned = await stores.tokens.pruneSpent();
          if (pruned > 0) logger.info({ pruned }, 'pruned spent verification and reset tokens');
        },
      },
    };
  },
});

/** The argon2id settings of identity's configuration (the seed command needs only these). */
export interface PasswordSettings {
  ARGON2_MEMORY_KIB: number;
  ARGON2_ITERATIONS: number;
  ARGON2_PARALLELISM: number;
}

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
  return migrateToLatest(db, fileURLToPath(identitySubgraph.migrations));
}
