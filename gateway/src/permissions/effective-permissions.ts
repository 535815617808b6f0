/**
 * The caller's effective permissions, resolved from authz's internal API and cached.
 *
 * Every cache entry is keyed by the authz *permissions version*, a counter authz bumps in
 * the same transaction as any change to roles, grants or assignments. The current version
 * is read on every authenticated request, so a revoked permission stops working on the
 * very next request, without re-login:
 * - with Redis, authz writes the version to `authz:permissions-version` and the entries
 *   live in Redis, shared by every gateway replica;
 * - without Redis (one gateway, local development), authz pushes each new version to the
 *   gateway's internal API and entries live in this process.
 * Every entry also lives at most `ttlSeconds` (`PERMISSIONS_CACHE_TTL_SECONDS`), in this
 * process and in Redis alike: a missed version push or write cannot keep a revoked
 * permission alive longer than that.
 * Access tokens carry identity only; permissions never come from the token.
 */
import type { InternalClient, Logger, RedisClient } from '@platform/service-kit';

const PERMISSIONS_VERSION_KEY = 'authz:permissions-version';
const LOCAL_ENTRIES_MAX = 10_000;

/** Where a caller's permissions came from: this process's cache, Redis's shared cache, or authz. */
export type PermissionLookup = 'local_hit' | 'shared_hit' | 'miss';

export interface PermissionResolver {
  permissionsOf(userId: string, requestId: string): Promise<readonly string[]>;
  /** authz announced a new version (the no-Redis path). */
  invalidate(version: number): void;
}

interface EffectiveResponse {
  userId: string;
  permissions: string[];
  version: number;
}

export function createPermissionResolver(options: {
  authz: InternalClient;
  redis?: RedisClient;
  logger: Logger;
  /** How long an entry may be used, in seconds. */
  ttlSeconds: number;
  /** The clock, in epoch milliseconds (tests). */
  now?: () => number;
  /**
   * Told how each lookup was answered: from this process's cache, from Redis's shared one, or
   * by authz (`gateway_permissions_cache_lookups_total`).
   */
  onLookup?: (result: PermissionLookup) => void;
}): PermissionResolver {
  const { authz, redis, ttlSeconds } = options;
  const now = options.now ?? Date.now;
  const local = new Map<string, { permissions: readonly string[]; expiresAt: number }>();
  let pushedVersion: number | null = null;

  const remember = (key: string, permissions: readonly string[], lifetimeMs = ttlSeconds * 1000) => {
    if (local.size >= LOCAL_ENTRIES_MAX) local.clear();
    local.set(key, { permissions, expiresAt: now() + lifetimeMs });
  };
  const cached = (key: string): readonly string[] | undefined => {
    const entry = local.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > now()) return entry.permissions;
    local.delete(key);
    return undefined;
  };

  const fetchEffective = (userId: string, requestId: string) =>
    authz.post<EffectiveResponse>('/internal/permissions/effective', { userId }, { requestId });

  const currentVersion = async (): Promise<number | null> => {
    if (!redis) return pushedVersion;
    const stored = await redis.get(PERMISSIONS_VERSION_KEY);
    return stored === null ? null : Number(stored);
  };

  return {
    async permissionsOf(userId, requestId) {
      const version = await currentVersion();
      if (version !== null) {
        const key = `${version}:${userId}`;
        const hit = cached(key);
        if (hit) {
          options.onLookup?.('local_hit');
          return hit;
        }
        if (redis) {
          const sharedKey = `authz:permissions:${key}`;
          const [shared, remainingMs] = await Promise.all([redis.get(sharedKey), redis.pttl(sharedKey)]);
          if (shared !== null && remainingMs > 0) {
            const permissions = Object.freeze(JSON.parse(shared) as string[]);
            // Only for what is left of the shared entry's life: the TTL bounds the two caches together.
            remember(key, permissions, remainingMs);
            options.onLookup?.('shared_hit');
            return permissions;
          }
        }
      }
      options.onLookup?.('miss');
      const effective = await fetchEffective(userId, requestId);
      const permissions = Object.freeze([...effective.permissions]);
      // Cache under the version authz answered with. When a newer version exists the entry
      // is simply never read: lookups use the current version.
      const key = `${effective.version}:${userId}`;
      remember(key, permissions);
      if (redis) {
        await redis.set(`authz:permissions:${key}`, JSON.stringify(permissions), 'EX', ttlSeconds);
      } else if (pushedVersion === null || effective.version > pushedVersion) {
        pushedVersion = effective.version;
      }
      return permissions;
    },
    invalidate(version) {
      if (pushedVersion === null || version > pushedVersion) {
        pushedVersion = version;
        local.clear();
        options.logger.info({ version }, 'permissions changed in authz; cached permissions dropped');
      }
    },
  };
}
