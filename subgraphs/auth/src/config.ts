/**
 * The auth subgraph's configuration: one zod schema over the environment, loaded once at
 * start. Every bad or missing variable is reported at once (see `loadConfig`).
 */
import { env, loadConfig, serviceCredentialsEnv, type Environment } from '@platform/service-kit';
import { z } from 'zod';
import type { PrivateSigningJwk } from './domain/signing-keys.js';

/** A variable that must be set: says so, and what it is, when it is missing. */
const required = (what: string) => z.string({ error: `is required (${what})` });

const positiveSeconds = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

/** `SIGNING_KEYS`: a JSON array of private Ed25519 JWKs, each with a unique `kid`. */
const signingKeys = z.string().transform((text, ctx): PrivateSigningJwk[] => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be valid JSON (an array of private Ed25519 JWKs)' });
    return z.NEVER;
  }
  const result = z
    .array(
      z.looseObject({
        kty: z.literal('OKP'),
        crv: z.literal('Ed25519'),
        x: z.string().min(1),
        d: z.string().min(1),
        kid: z.string().min(1),
      }),
    )
    .min(1)
    .safeParse(parsed);
  if (!result.success) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be a non-empty JSON array of private Ed25519 JWKs (kty "OKP", crv "Ed25519", x, d and kid)',
    });
    return z.NEVER;
  }
  const kids = result.data.map((key) => key.kid);
  if (new Set(kids).size !== kids.length) {
    ctx.addIssue({ code: 'custom', message: 'every key must have a different "kid"' });
    return z.NEVER;
  }
  return result.data.map(({ kty, crv, x, d, kid }) => ({ kty, crv, x, d, kid }));
});

const fields = {
  NODE_ENV: env.nodeEnv,
  PORT: env.port(4002),
  HOST: env.host,
  LOG_LEVEL: env.logLevel,
  DATABASE_URL: env.postgresUrl,
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  MIGRATE_ON_START: env.boolean(true),
  /** The gateway's public keys, to verify the proof on every GraphQL request. */
  GATEWAY_PUBLIC_JWKS: required("the gateway's public JWKS, as JSON").pipe(env.jwksJson),
  /** Credentials of the services allowed to call auth's internal API (`identity:<token>`). */
  INTERNAL_API_CREDENTIALS: required('identity:<token>, the credentials accepted by the internal API').pipe(
    serviceCredentialsEnv,
  ),
  IDENTITY_INTERNAL_URL: required("identity's internal base URL, e.g. http://localhost:4001").pipe(env.httpUrl),
  /** Auth's own credential for identity's internal API. */
  IDENTITY_INTERNAL_CREDENTIAL: required('the credential auth presents to identity').min(
    32,
    'must be at least 32 characters',
  ),
  REDIS_URL: env.optionalRedisUrl,
  /** Kafka bootstrap brokers, `host:port,host:port`; unset means the in-process event bus. */
  KAFKA_BROKERS: env.kafkaBrokers,
  ACCESS_TOKEN_ISSUER: z.string().min(1).default('platform-auth'),
  ACCESS_TOKEN_AUDIENCE: z.string().min(1).default('platform-api'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
  REFRESH_TOKEN_TTL_SECONDS: positiveSeconds(604_800),
  /** Private signing keys; the first signs, all are published. Required in production. */
  SIGNING_KEYS: signingKeys.optional(),
  /** Where development keys are kept when SIGNING_KEYS is not set. */
  DATA_DIR: z.string().min(1).default('.data'),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).default(5),
  LOGIN_FAILURE_WINDOW_SECONDS: positiveSeconds(900),
  LOGIN_LOCK_SECONDS: positiveSeconds(900),
};

const schema = z
  .object(fields)
  .refine((config) => config.NODE_ENV !== 'production' || config.SIGNING_KEYS !== undefined, {
    path: ['SIGNING_KEYS'],
    message:
      'is required when NODE_ENV=production (a JSON array of private Ed25519 JWKs, each with a "kid"); ' +
      'auth never generates keys in production',
    // Run even when other variables are bad, so the operator sees this problem in the same pass.
    when: (payload) => !payload.issues.some((issue) => ['NODE_ENV', 'SIGNING_KEYS'].includes(String(issue.path?.[0]))),
  });

export type AuthConfig = z.infer<typeof schema>;

/** Reads and validates the auth subgraph's configuration, throwing a `ConfigError` listing every problem. */
export function loadAuthConfig(environment: Environment = process.env): AuthConfig {
  return loadConfig(schema, environment);
}
