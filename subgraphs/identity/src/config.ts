/**
 * The identity subgraph's configuration: one zod schema over the environment, loaded once
 * at start. Every missing or bad variable is reported together (see the kit's `loadConfig`).
 */
import { env, loadConfig, serviceCredentialsEnv, type Environment } from '@platform/service-kit';
import { z } from 'zod';

/** OWASP's floor for argon2id (19 MiB, 2 iterations, 1 lane); weaker settings are refused. */
export const ARGON2_MINIMUM = { memoryKib: 19456, iterations: 2, parallelism: 1 } as const;

/** A variable that must be set, with a message that says so instead of zod's type jargon. */
const required = (what: string) => z.string({ error: `is required (${what})` });

const integer = (fallback: number, min: number, max: number, floorReason: string) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min} (${floorReason})`)
    .max(max, `must be at most ${max}`)
    .default(fallback);

const identityConfigSchema = z.object({
  NODE_ENV: env.nodeEnv,
  PORT: env.port(4001),
  HOST: env.host,
  LOG_LEVEL: env.logLevel,
  DATABASE_URL: required('a postgres:// connection URL').pipe(env.postgresUrl),
  DATABASE_POOL_MAX: integer(10, 1, 100, 'the pool needs a connection'),
  MIGRATE_ON_START: env.boolean(true),
  GATEWAY_PUBLIC_JWKS: required("the gateway's public JWKS, as JSON").pipe(env.jwksJson),
  INTERNAL_API_CREDENTIALS: required('auth:<token>, the credentials of services allowed to call us').pipe(
    serviceCredentialsEnv,
  ),
  AUTH_INTERNAL_URL: required("the auth service's internal http(s) URL").pipe(env.httpUrl),
  AUTH_INTERNAL_CREDENTIAL: required('our credential for the auth internal API').min(
    32,
    'must be at least 32 characters',
  ),
  AUTHZ_INTERNAL_URL: required("the authz service's internal http(s) URL").pipe(env.httpUrl),
  AUTHZ_INTERNAL_CREDENTIAL: required('our credential for the authz internal API').min(
    32,
    'must be at least 32 characters',
  ),
  /** Kafka bootstrap brokers, `host:port,host:port`; unset means the in-process event bus. */
  KAFKA_BROKERS: env.kafkaBrokers,
  PUBLIC_APP_URL: env.httpUrl.default('http://localhost:3000').transform((url) => url.replace(/\/+$/, '')),
  ARGON2_MEMORY_KIB: integer(ARGON2_MINIMUM.memoryKib, ARGON2_MINIMUM.memoryKib, 4_194_304, 'OWASP minimum'),
  ARGON2_ITERATIONS: integer(ARGON2_MINIMUM.iterations, ARGON2_MINIMUM.iterations, 64, 'OWASP minimum'),
  ARGON2_PARALLELISM: integer(ARGON2_MINIMUM.parallelism, ARGON2_MINIMUM.parallelism, 16, 'OWASP minimum'),
});

export type IdentityConfig = z.infer<typeof identityConfigSchema>;

/** Reads and validates the configuration; throws one `ConfigError` listing every problem. */
export function loadIdentityConfig(environment: Environment = process.env): IdentityConfig {
  return loadConfig(identityConfigSchema, environment);
}
