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
 * Access tokens carry identity only; permissions never come from the token.
 */
import type { InternalClient, Logger, RedisClient } from '@platform/service-kit';

const PERMISSIONS_VERSION_KEY = 'authz:permissions-version';
const ENTRY_TTL_SECONDS = 600;
const LOCAL_ENTRIES_MAX = 10_000;

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
}): PermissionResolver {
  const { authz, redis } = options;
  const local = new Map<string, readonly string[]>();
  let pushedVersion: number | null = null;

  const remember = (key: string, permissions: readonly string[]) => {
    if (local.size >= LOCAL_ENTRIES_MAX) local.clear();
    local.set(key, permissions);
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
        const hit = local.get(key);
        if (hit) return hit;
        if (redis) {
          const shared = await redis.get(`authz:permissions:${key}`);
          if (shared !== null) {
            const permissions = Object.freeze(JSON.parse(shared) as string[]);
            remember(key, permissions);
            return permissions;
          }
        }
      }
      const effective = await fetchEffective(userId, requestId);
      const permissions = Object.freeze([...effective.permissions]);
      // Cache under the version authz answered with. When a newer version exists the entry
      // is simply never read: lookups use the current version.
      const key = `${effective.version}:${userId}`;
      remember(key, permissions);
      if (redis) {
        await redis.set(`authz:permissions:${key}`, JSON.stringify(permissions), 'EX', ENTRY_TTL_SECONDS);
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
