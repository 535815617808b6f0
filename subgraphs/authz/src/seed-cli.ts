/**
 * The seed command: `npm run seed -w @platform/authz` with `DATABASE_URL` and optionally
 * `ADMIN_USER_ID` (a user identity registered), `REDIS_URL` or `GATEWAY_INTERNAL_URL` +
 * `GATEWAY_INTERNAL_CREDENTIAL` to tell the gateway. Safe to run again: it changes nothing
 * the second time. It does not migrate: start the service (or its migrations) first.
 */
import { ConfigError, createLogger, createRedis, type RedisClient } from '@platform/service-kit';
import {
  createGatewayInvalidationNotifier,
  createRedisInvalidationNotifier,
  type InvalidationNotifier,
} from './invalidation.js';
import { seedDatabase } from './seed.js';
import { loadAuthzSeedConfig } from './seed-config.js';

let redis: RedisClient | undefined;
try {
  const config = loadAuthzSeedConfig();
  const logger = createLogger({ service: 'authz-seed', level: config.LOG_LEVEL });
  let notifier: InvalidationNotifier | undefined;
  if (config.REDIS_URL) {
    redis = createRedis(config.REDIS_URL, 'authz-seed');
    notifier = createRedisInvalidationNotifier(redis);
  } else if (config.GATEWAY_INTERNAL_URL && config.GATEWAY_INTERNAL_CREDENTIAL) {
    notifier = createGatewayInvalidationNotifier({
      gatewayInternalUrl: config.GATEWAY_INTERNAL_URL,
      credential: config.GATEWAY_INTERNAL_CREDENTIAL,
    });
  }
  const result = await seedDatabase(config.DATABASE_URL, {
    logger,
    ...(config.ADMIN_USER_ID ? { adminUserId: config.ADMIN_USER_ID } : {}),
    ...(notifier ? { notifier } : {}),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (error) {
  process.stderr.write(
    error instanceof ConfigError
      ? `authz-seed: ${error.message}\n`
      : `authz-seed: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
} finally {
  await redis?.quit().catch(() => redis?.disconnect());
}
