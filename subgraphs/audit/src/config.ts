/**
 * The audit subgraph's configuration: one zod schema over the environment, loaded once at
 * start. Every missing or bad variable is reported together (see the kit's `loadConfig`).
 */
import { env, loadConfig, serviceCredentialsEnv, type Environment } from '@platform/service-kit';
import { z } from 'zod';
import { ROLE_NAME_PATTERN } from './domain/app-role.js';

/** A variable that must be set, with a message that says so instead of zod's type jargon. */
const required = (what: string) => z.string({ error: `is required (${what})` });

/** The services that may record audit events over the internal API; any other name is a typo. */
export const INTERNAL_CALLERS = ['identity', 'auth', 'authz', 'gateway'] as const;

const internalCredentials = serviceCredentialsEnv.superRefine((credentials, ctx) => {
  for (const name of credentials.keys()) {
    if (!(INTERNAL_CALLERS as readonly string[]).includes(name)) {
      ctx.addIssue({
        code: 'custom',
        message: `names an unknown service "${name}": audit's internal API serves ${INTERNAL_CALLERS.join(', ')}`,
      });
    }
  }
});

const fields = {
  NODE_ENV: env.nodeEnv,
  PORT: env.port(4004),
  HOST: env.host,
  LOG_LEVEL: env.logLevel,
  /** The database owner: migrations and the application role's grants. */
  DATABASE_URL: required('a postgres:// connection URL of platform_audit, as its owner').pipe(env.postgresUrl),
  /** The restricted role the service works as; derived from DATABASE_URL and the two below when unset. */
  APP_DATABASE_URL: env.postgresUrl.optional(),
  /** Where the domain events come from; without it, the in-process bus (one process, development and tests). */
  KAFKA_BROKERS: env.kafkaBrokers,
  /** The application role's name (created or updated at start when AUDIT_APP_PASSWORD is set). */
  AUDIT_APP_ROLE: z
    .string()
    .regex(ROLE_NAME_PATTERN, 'must be a lower-case Postgres role name (letters, digits, _)')
    .default('audit_app'),
  /** The application role's password; required unless APP_DATABASE_URL is set. */
  AUDIT_APP_PASSWORD: z.string().min(16, 'must be at least 16 characters').optional(),
  DATABASE_POOL_MAX: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1 (the pool needs a connection)')
    .max(100, 'must be at most 100')
    .default(10),
  MIGRATE_ON_START: env.boolean(true),
  /** The gateway's public keys, to verify the proof on every GraphQL request. */
  GATEWAY_PUBLIC_JWKS: required("the gateway's public JWKS, as JSON").pipe(env.jwksJson),
  /** Credentials of the services allowed to record events over the internal API (`identity:<token>,…`). */
  INTERNAL_API_CREDENTIALS: required(
    'identity:<token>,auth:<token>,…, the credentials of services allowed to record audit events',
  ).pipe(internalCredentials),
};

const schema = z
  .object(fields)
  .refine((config) => config.APP_DATABASE_URL !== undefined || config.AUDIT_APP_PASSWORD !== undefined, {
    path: ['AUDIT_APP_PASSWORD'],
    message:
      'is required unless APP_DATABASE_URL is set: the service works as a role that may only read and append to the log',
    // Run even when other variables are bad, so the operator sees this problem in the same pass.
    when: (payload) =>
      !payload.issues.some((issue) => ['APP_DATABASE_URL', 'AUDIT_APP_PASSWORD'].includes(String(issue.path?.[0]))),
  });

export type AuditConfig = z.infer<typeof schema>;

/** Reads and validates the configuration; throws one `ConfigError` listing every problem. */
export function loadAuditConfig(environment: Environment = process.env): AuditConfig {
  return loadConfig(schema, environment);
}
