/**
 * The gateway's permission cache has a time-to-live: when authz's invalidation is missed (no
 * version push arrives, or the shared version is not bumped), a revoked permission still
 * stops working once the entry is older than `PERMISSIONS_CACHE_TTL_SECONDS`. authz here is a
 * stand-in whose answer the test changes without announcing a new version: exactly the
 * missed push.
 */
import { randomUUID } from 'node:crypto';
import { createLogger, createRedis, type InternalClient, type RedisClient } from '@platform/service-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPermissionResolver } from '../../src/permissions/effective-permissions.js';

const logger = createLogger({ service: 'gateway-test', level: 'silent' });

/** authz's effective-permissions endpoint, answering `granted` at a version that never moves. */
function silentAuthz() {
  const state = { granted: ['authz.role.write'], calls: 0 };
  const client: InternalClient = {
    async post<T>(_path: string, body: unknown): Promise<T> {
      state.calls += 1;
      const { userId } = body as { userId: string };
      return { userId, permissions: [...state.granted], version: 7 } as T;
    },
  };
  return { state, client };
}

let redis: RedisClient;
beforeAll(() => {
  // A logical database of its own: the permissions version key here is no other test's.
  redis = createRedis(`${inject('redisUrl').replace(/\/\d*$/, '')}/9`, 'gateway-permissions-test');
});
afterAll(async () => {
  await redis.quit();
});

describe('permission cache time-to-live', () => {
  it('in memory: a revocation whose push was missed takes effect once the entry is older than the TTL', async () => {
    let clock = 1_000_000;
    const authz = silentAuthz();
    const permissions = createPermissionResolver({ authz: authz.client, logger, ttlSeconds: 60, now: () => clock });
    const userId = randomUUID();

    expect(await permissions.permissionsOf(userId, 'r1')).toEqual(['authz.role.write']);
    authz.state.granted = [];
    clock += 59_000;
    expect(await permissions.permissionsOf(userId, 'r2')).toEqual(['authz.role.write']);
    expect(authz.state.calls).toBe(1);

    clock += 1_001;
    expect(await permissions.permissionsOf(userId, 'r3')).toEqual([]);
    expect(authz.state.calls).toBe(2);
  });

  it('with Redis: the shared entry expires after the TTL, and this process keeps it no longer than Redis does', async () => {
    await redis.set('authz:permissions-version', '7');
    let clock = Date.now();
    const authz = silentAuthz();
    const userId = randomUUID();
    const permissions = createPermissionResolver({
      authz: authz.client,
      redis,
      logger,
      ttlSeconds: 2,
      now: () => clock,
    });
    expect(await permissions.permissionsOf(userId, 'r1')).toEqual(['authz.role.write']);
    const ttl = await redis.pttl(`authz:permissions:7:${userId}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2000);

    // A second replica picks the shared entry up, for what is left of its life only.
    const replica = createPermissionResolver({ authz: authz.client, redis, logger, ttlSeconds: 2, now: () => clock });
    authz.state.granted = [];
    expect(await replica.permissionsOf(userId, 'r2')).toEqual(['authz.role.write']);
    expect(authz.state.calls).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, 2100));
    clock += 2100;
    expect(await permissions.permissionsOf(userId, 'r3')).toEqual([]);
    expect(await replica.permissionsOf(userId, 'r4')).toEqual([]);
  });
});
