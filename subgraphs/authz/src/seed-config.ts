/**
 * The seed command's configuration (`npm run seed -w @platform/authz`), built from the kit's
 * variable helpers; the service's own configuration is its definition's (`subgraph.ts`).
 */
import { env, loadConfig, requiredEnv, type Environment } from '@platform/service-kit';
import { z } from 'zod';
import { UUID_PATTERN } from './domain/ids.js';

const schema = z.object({
  LOG_LEVEL: env.logLevel,
  DATABASE_URL: requiredEnv('a postgres:// connection URL').pipe(env.postgresUrl),
  /** The user (identity's id) to make an admin; only the system roles are seeded without it. */
  ADMIN_USER_ID: z
    .string()
    .regex(UUID_PATTERN, 'must be a UUID (the id identity gave the user)')
    .transform((id) => id.toLowerCase())
    .optional(),
  /** Where the gateway reads the permissions version; preferred when set. */
  REDIS_URL: env.optionalRedisUrl,
  /** The gateway's internal API, told about the new version when there is no Redis. */
  GATEWAY_INTERNAL_URL: env.httpUrl.optional(),
  GATEWAY_INTERNAL_CREDENTIAL: z.string().min(32, 'must be at least 32 characters').optional(),
});

export type AuthzSeedConfig = z.infer<typeof schema>;

/** Reads and validates the seed command's variables; throws one `ConfigError` listing every problem. */
export function loadAuthzSeedConfig(environment: Environment = process.env): AuthzSeedConfig {
  return loadConfig(schema, environment);
}
