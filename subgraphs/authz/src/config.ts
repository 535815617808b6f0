/**
 * The authz subgraph's configuration: one zod schema over the environment, loaded once at
 * start. Every missing or bad variable is reported together (see the kit's `loadConfig`).
 */
import { env, loadConfig, serviceCredentialsEnv, type Environment } from '@platform/service-kit';
import { z } from 'zod';
import { UUID_PATTERN } from './domain/ids.js';

/** A variable that must be set, with a message that says so instead of zod's type jargon. */
const required = (what: string) => z.string({ error: `is required (${what})` });

/** The services that call authz's internal API; any other name in the list is a typo. */
export const INTERNAL_CALLERS = ['gateway', 'identity'] as const;

const internalCredentials = serviceCredentialsEnv.superRefine((credentials, ctx) => {
  for (const name of credentials.keys()) {
    if (!(INTERNAL_CALLERS as readonly string[]).includes(name)) {
      ctx.addIssue({
        code: 'custom',
        message: `names an unknown service "${name}": authz's internal API serves ${INTERNAL_CALLERS.join(' and ')}`,
      });
    }
  }
});

const credential = z.string().min(32, 'must be at least 32 characters');

const fields = {
  NODE_ENV: env.nodeEnv,
  PORT: env.port(4003),
  HOST: env.host,
  LOG_LEVEL: env.logLevel,
  DATABASE_URL: required('a postgres:// connection URL').pipe(env.postgresUrl),
  DATABASE_POOL_MAX: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1 (the pool needs a connection)')
    .max(100, 'must be at most 100')
    .default(10),
  MIGRATE_ON_START: env.boolean(true),
  /** The gateway's public keys, to verify the proof on every GraphQL request. */
  GATEWAY_PUBLIC_JWKS: required("the gateway's public JWKS, as JSON").pipe(env.jwksJson),
  /** Credentials of the services allowed to call the internal API (`gateway:<token>,identity:<token>`). */
  INTERNAL_API_CREDENTIALS: required(
    'gateway:<token>,identity:<token>, the credentials of services allowed to call us',
  ).pipe(internalCredentials),
  /** Where the permissions version is published for every gateway replica; preferred when set. */
  REDIS_URL: env.optionalRedisUrl,
  /** Kafka bootstrap brokers, `host:port,host:port`; unset means the in-process event bus. */
  KAFKA_BROKERS: env.kafkaBrokers,
  /** The gateway's internal API, told about each new version when there is no Redis. */
  GATEWAY_INTERNAL_URL: env.httpUrl.optional(),
  /** Our credential for the gateway's internal API; required together with GATEWAY_INTERNAL_URL. */
  GATEWAY_INTERNAL_CREDENTIAL: credential.optional(),
};

const schema = z
  .object(fields)
  .refine(
    (config) => (config.GATEWAY_INTERNAL_URL === undefined) === (config.GATEWAY_INTERNAL_CREDENTIAL === undefined),
    {
      path: ['GATEWAY_INTERNAL_CREDENTIAL'],
      message:
        'GATEWAY_INTERNAL_URL and GATEWAY_INTERNAL_CREDENTIAL go together: set both (to notify the gateway) or neither',
      // Run even when other variables are bad, so the operator sees this problem in the same pass.
      when: (payload) =>
        !payload.issues.some((issue) =>
          ['GATEWAY_INTERNAL_URL', 'GATEWAY_INTERNAL_CREDENTIAL'].includes(String(issue.path?.[0])),
        ),
    },
  );

export type AuthzConfig = z.infer<typeof schema>;

/** Reads and validates the configuration; throws one `ConfigError` listing every problem. */
export function loadAuthzConfig(environment: Environment = process.env): AuthzConfig {
  return loadConfig(schema, environment);
}

const seedSchema = z.object({
  LOG_LEVEL: env.logLevel,
  DATABASE_URL: required('a postgres:// connection URL').pipe(env.postgresUrl),
  /** The user (identity's id) to make an admin; only the system roles are seeded without it. */
  ADMIN_USER_ID: z
    .string()
    .regex(UUID_PATTERN, 'must be a UUID (the id identity gave the user)')
    .transform((id) => id.toLowerCase())
    .optional(),
  REDIS_URL: fields.REDIS_URL,
  GATEWAY_INTERNAL_URL: fields.GATEWAY_INTERNAL_URL,
  GATEWAY_INTERNAL_CREDENTIAL: fields.GATEWAY_INTERNAL_CREDENTIAL,
});

export type AuthzSeedConfig = z.infer<typeof seedSchema>;

/** The seed command's configuration (`npm run seed -w @platform/authz`). */
export function loadAuthzSeedConfig(environment: Environment = process.env): AuthzSeedConfig {
  return loadConfig(seedSchema, environment);
}
