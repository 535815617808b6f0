/**
 * Telling the gateway that effective permissions changed. The gateway caches each user's
 * effective permissions under the permissions version (`authz_state.version`) and reads the
 * current version on every request, so publishing the new version after each commit makes
 * the change apply on the very next request:
 * - with Redis, `SET authz:permissions-version <version>`, shared by every gateway replica;
 * - without Redis, `POST <gateway>/internal/authz/invalidate { version }` to the one gateway.
 * The version is the database's, so several authz replicas publish the same numbers.
 */
import { createInternalClient, type InternalClient, type Logger, type RedisClient } from '@platform/service-kit';
import type { Counter } from 'prom-client';

/** The Redis key the gateway reads the permissions version from. */
export const PERMISSIONS_VERSION_KEY = 'authz:permissions-version';

/** The gateway's internal endpoint that takes a new version when there is no Redis. */
const GATEWAY_INVALIDATE_PATH = '/internal/authz/invalidate';

export interface InvalidationNotifier {
  /** Where versions go, for logs and metrics: `redis`, `gateway` or `none`. */
  readonly channel: string;
  /**
   * At start: publishes the database's version as it is. The database is the truth, so this
   * may lower the published value (after a restore); the gateway treats any different value
   * as a new version.
   */
  announce(version: number): Promise<void>;
  /** After a committed change: `version` is the permissions version the change produced. */
  notify(version: number, options?: { requestId?: string }): Promise<void>;
}

/**
 * Sets the key only when the value is higher than the stored one: two replicas committing
 * versions 5 and 6 may publish in either order, and the key must end at 6.
 */
const SET_IF_HIGHER = `
local current = tonumber(redis.call('GET', KEYS[1]))
if current == nil or current < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1])
  return 1
end
return 0`;

export function createRedisInvalidationNotifier(
  redis: RedisClient,
  key = PERMISSIONS_VERSION_KEY,
): InvalidationNotifier {
  return {
    channel: 'redis',
    async announce(version) {
      await redis.set(key, String(version));
    },
    async notify(version) {
      await redis.eval(SET_IF_HIGHER, 1, key, String(version));
    },
  };
}

/**
 * Pushes each new version to the gateway's internal API. Nothing is announced at start: the
 * gateway may not be running yet, and it can read `GET /internal/permissions/version` itself.
 */
export function createGatewayInvalidationNotifier(
  options: { gatewayInternalUrl: string; credential: string; timeoutMs?: number } | { client: InternalClient },
): InvalidationNotifier {
  const client =
    'client' in options
      ? options.client
      : createInternalClient({
          baseUrl: options.gatewayInternalUrl,
          credential: options.credential,
          timeoutMs: options.timeoutMs ?? 2000,
        });
  return {
    channel: 'gateway',
    async announce() {},
    async notify(version, notifyOptions = {}) {
      await client.post(GATEWAY_INVALIDATE_PATH, { version }, notifyOptions);
    },
  };
}

/** No channel configured: the gateway has to ask for the version itself. */
export const noInvalidationNotifier: InvalidationNotifier = {
  channel: 'none',
  async announce() {},
  async notify() {},
};

/** Publishing never fails what already committed: a failure or a hang is logged and counted. */
export interface VersionPublisher {
  announce(version: number): Promise<void>;
  changed(version: number, context: { logger: Logger; requestId?: string }): Promise<void>;
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export function createVersionPublisher(options: {
  notifier: InvalidationNotifier;
  logger: Logger;
  /** Counts publications by channel and outcome (`ok`, `failed`). */
  counter?: Counter<'channel' | 'outcome'>;
  timeoutMs?: number;
}): VersionPublisher {
  const { notifier } = options;
  const timeoutMs = options.timeoutMs ?? 3000;
  const record = (outcome: 'ok' | 'failed') => options.counter?.inc({ channel: notifier.channel, outcome });
  return {
    async announce(version) {
      try {
        await withTimeout(notifier.announce(version), timeoutMs);
        record('ok');
        options.logger.info({ version, channel: notifier.channel }, 'published the permissions version');
      } catch (error) {
        record('failed');
        options.logger.warn(
          { err: error, version, channel: notifier.channel },
          'could not publish the permissions version at start',
        );
      }
    },
    async changed(version, context) {
      try {
        await withTimeout(notifier.notify(version, { requestId: context.requestId }), timeoutMs);
        record('ok');
      } catch (error) {
        record('failed');
        // The change is committed; the gateway sees it once the next version is published or
        // its cache entries expire. Operators need to know the window is open.
        context.logger.error(
          { err: error, version, channel: notifier.channel },
          'permissions changed but the gateway could not be told; cached permissions may be stale',
        );
      }
    },
  };
}
