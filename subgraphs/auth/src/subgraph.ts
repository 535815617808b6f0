/**
 * The auth subgraph: sign-in (asking identity whether the credentials match), sessions,
 * refresh-token rotation, access-token signing and the JWKS. Failed sign-ins are throttled
 * per account, in Redis when `REDIS_URL` is set. Identity's events end a user's sessions
 * after a password change or reset and when the user is deleted (`identity-events.ts`).
 */
import {
  createMemoryAttemptThrottle,
  createRedisAttemptThrottle,
  defineSubgraph,
  type BaseContext,
  type JobDeclarations,
  type Logger,
  type SubgraphConfig,
  type SubgraphDependencies,
  loaderCache,
} from '@platform/service-kit';
import DataLoader from 'dataloader';
import { z } from 'zod';
import type { Context } from './context.js';
import { createAccessTokenIssuer } from './domain/access-tokens.js';
import { createSessionService } from './domain/session-service.js';
import {
  createSigningKeyRing,
  developmentKeysFile,
  loadOrCreateDevelopmentKeys,
  signingKeysEnv,
  type PrivateSigningJwk,
} from './domain/signing-keys.js';
import { createIdentityCredentialsVerifier, type CredentialsVerifier } from './identity-client.js';
import { CONSUMED_IDENTITY_EVENTS, createIdentityEventHandlers } from './identity-events.js';
import { jwksRoute } from './jwks.js';
import { resolvers } from './resolvers/index.js';
import { createRefreshTokenStore } from './stores/refresh-token-store.js';
import { createSessionStore } from './stores/session-store.js';

export type { CredentialsVerifier } from './identity-client.js';
export { ACCESS_TOKEN_ALGORITHM, ACCESS_TOKEN_TYPE } from './domain/access-tokens.js';

const positiveSeconds = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

/** Auth's own variables, beside the kit's and those of its call to identity. */
const authConfig = {
  ACCESS_TOKEN_ISSUER: z.string().min(1).default('platform-auth').describe('`iss` of the access tokens'),
  ACCESS_TOKEN_AUDIENCE: z.string().min(1).default('platform-api').describe('`aud` of the access tokens'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(30)
    .max(86_400)
    .default(900)
    .describe('Lifetime of an access token, in seconds'),
  REFRESH_TOKEN_TTL_SECONDS: positiveSeconds(604_800).describe(
    'Lifetime of a refresh token, in seconds: a session ends this long after its last refresh',
  ),
  SIGNING_KEYS: signingKeysEnv
    .optional()
    .describe(
      'JSON array of private Ed25519 JWKs, each with a `kid`: the first signs, all are published; required in production',
    ),
  DATA_DIR: z
    .string()
    .min(1)
    .default('.data')
    .describe('Where development signing keys are kept when SIGNING_KEYS is not set'),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).default(5).describe('Failed sign-ins that lock an account'),
  LOGIN_FAILURE_WINDOW_SECONDS: positiveSeconds(900).describe('The window failed sign-ins are counted in, in seconds'),
  LOGIN_LOCK_SECONDS: positiveSeconds(900).describe('The first lock, in seconds; each further one within 24 h doubles'),
};

/** Ended sessions and expired refresh tokens are kept this long (the user's and support's trail), then deleted. */
const ENDED_SESSION_RETENTION_DAYS = 30;

const authJobs = {
  // Daily in the quiet hour; a run missed while auth was down is made up once at the next start.
  'auth.prune-sessions': {
    data: z.object({}),
    schedule: { cron: '17 3 * * *', tz: 'UTC', missed: 'once' },
    policy: 'singleton',
  },
} satisfies JobDeclarations;

/** Auth's configuration as its setup sees it. */
export type AuthConfig = SubgraphConfig<typeof authConfig>;

/** What a host (a test) may replace. */
export interface AuthOverrides {
  /** Identity's credential check, instead of the call to identity's internal API. */
  credentialsVerifier: CredentialsVerifier;
}

/** `SIGNING_KEYS` when set; else (never in production) the development keys kept under `DATA_DIR`. */
async function signingKeys(config: AuthConfig, logger: Logger): Promise<PrivateSigningJwk[]> {
  if (config.SIGNING_KEYS) return config.SIGNING_KEYS;
  // The configuration refuses production without SIGNING_KEYS; this guards hosts that bypass it.
  if (config.NODE_ENV === 'production') throw new Error('SIGNING_KEYS is required when NODE_ENV=production');
  const file = developmentKeysFile(config.DATA_DIR);
  logger.info({ file }, 'SIGNING_KEYS not set: using development signing keys');
  return loadOrCreateDevelopmentKeys(file);
}

export const authSubgraph = defineSubgraph({
  name: 'auth',
  port: 4002,
  schema: new URL('./schema.graphql', import.meta.url),
  migrations: new URL('../../../migrations/auth/', import.meta.url),
  resolvers,
  config: authConfig,
  validate: (config): Record<string, string> =>
    config.NODE_ENV === 'production' && config.SIGNING_KEYS === undefined
      ? {
          SIGNING_KEYS:
            'is required when NODE_ENV=production (a JSON array of private Ed25519 JWKs, each with a "kid"); ' +
            'auth never generates keys in production',
        }
      : {},
  // Login needs identity's answer before it can start a session: a synchronous call.
  calls: ['identity'],
  consumes: CONSUMED_IDENTITY_EVENTS,
  jobs: authJobs,
  // Locally, development signing keys live in the platform's data folder, surviving restarts.
  development: { env: ({ dataDir }) => ({ DATA_DIR: dataDir }) },
  async setup({
    config,
    logger,
    db,
    redis,
    internal,
    overrides,
  }: SubgraphDependencies<AuthConfig, AuthOverrides, typeof authJobs>) {
    const keyRing = await createSigningKeyRing(await signingKeys(config, logger));

    const policy = {
      maxFailures: config.LOGIN_MAX_FAILURES,
      failureWindowSeconds: config.LOGIN_FAILURE_WINDOW_SECONDS,
      lockSeconds: config.LOGIN_LOCK_SECONDS,
    };
    const redisClient = redis();
    const throttle = redisClient
      ? createRedisAttemptThrottle(redisClient, policy, 'auth:login-throttle:')
      : createMemoryAttemptThrottle(policy);

    let credentials = overrides.credentialsVerifier;
    if (!credentials) {
      const identity = internal('identity');
      if (!identity) throw new Error('auth needs identity: IDENTITY_INTERNAL_URL and IDENTITY_INTERNAL_CREDENTIAL');
      credentials = createIdentityCredentialsVerifier(identity.client);
    }

    const sessions = createSessionService({
      db,
      accessTokens: createAccessTokenIssuer({
        keyRing,
        issuer: config.ACCESS_TOKEN_ISSUER,
        audience: config.ACCESS_TOKEN_AUDIENCE,
        ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      }),
      credentials,
      throttle,
      refreshTokenTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
      maxFailedLogins: config.LOGIN_MAX_FAILURES,
    });

    return {
      context: (base: BaseContext): Context => ({
        ...base,
        sessions,
        activeSessionsByUserId: new DataLoader(
          (userIds: readonly string[]) =>
            sessions.listActiveSessions(userIds).then((byUser) => userIds.map((id) => byUser.get(id) ?? [])),
          { cacheMap: loaderCache('activeSessionsByUserId') },
        ),
      }),
      routes: [jwksRoute(keyRing)],
      handlers: createIdentityEventHandlers({ sessions, logger }),
      jobs: {
        // Deleting what is already gone deletes nothing: a second run is harmless.
        'auth.prune-sessions': async () => {
          const tokens = await createRefreshTokenStore(db).pruneExpired(ENDED_SESSION_RETENTION_DAYS);
          const ended = await createSessionStore(db).pruneEnded(ENDED_SESSION_RETENTION_DAYS);
          if (tokens + ended > 0) logger.info({ sessions: ended, refreshTokens: tokens }, 'pruned ended sessions');
        },
      },
    };
  },
});
