import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRedis, Permission, randomToken, type RedisClient } from '@platform/service-kit';
import { testRedisUrl } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisInvalidationNotifier, PERMISSIONS_VERSION_KEY } from '../src/invalidation.js';
import {
  administrator,
  assign,
  ASSIGN_ROLE,
  CREATE_ROLE,
  createRole,
  DELETE_ROLE,
  GRANT_PERMISSIONS,
  recordingNotifier,
  REVOKE_PERMISSIONS,
  startAuthz,
  UNASSIGN_ROLE,
  uniqueRoleName,
  type AuthzHarness,
} from './support.js';

describe('the permissions version', () => {
  let authz: AuthzHarness;
  beforeAll(async () => {
    authz = await startAuthz();
  });
  afterAll(() => authz.stop());

  it('is announced at start', async () => {
    expect(authz.notifier.announced).toEqual([await authz.version()]);
  });

  it('is bumped by every change and published before the mutation answers', async () => {
    const userId = randomUUID();
    const changes: [string, () => Promise<Record<string, unknown>>][] = [];
    let roleId = '';
    changes.push(
      [CREATE_ROLE, async () => ({ name: uniqueRoleName(), permissions: [Permission.AuthzRoleRead] })],
      [GRANT_PERMISSIONS, async () => ({ roleId, permissions: [Permission.IdentityUserRead] })],
      [REVOKE_PERMISSIONS, async () => ({ roleId, permissions: [Permission.AuthzRoleRead] })],
      [ASSIGN_ROLE, async () => ({ userId, roleId })],
      [UNASSIGN_ROLE, async () => ({ userId, roleId })],
      [DELETE_ROLE, async () => ({ id: roleId })],
    );
    for (const [operation, variables] of changes) {
      const before = await authz.version();
      const published = authz.notifier.notified.length;
      const { body } = await authz.graphql<{ createRole?: { role: { id: string } } }>(
        operation,
        await variables(),
        administrator(),
      );
      expect(body.errors, operation).toBeUndefined();
      roleId = body.data?.createRole?.role.id ?? roleId;
      expect(await authz.version(), operation).toBe(before + 1);
      // Already recorded when the response arrived.
      expect(authz.notifier.notified.slice(published), operation).toEqual([
        { version: before + 1, requestId: expect.any(String) as string },
      ]);
    }
  });

  it('is neither bumped nor published by a change that changes nothing', async () => {
    const userId = randomUUID();
    const role = await createRole(authz, { permissions: [Permission.AuthzRoleRead] });
    await assign(authz, userId, role.id);
    const other = await createRole(authz);
    const version = await authz.version();
    const published = authz.notifier.notified.length;

    const noOps: [string, Record<string, unknown>][] = [
      [GRANT_PERMISSIONS, { roleId: role.id, permissions: [Permission.AuthzRoleRead] }],
      [GRANT_PERMISSIONS, { roleId: role.id, permissions: [] }],
      [REVOKE_PERMISSIONS, { roleId: role.id, permissions: [Permission.AuthzRoleWrite] }],
      [ASSIGN_ROLE, { userId, roleId: role.id }],
      [UNASSIGN_ROLE, { userId, roleId: other.id }],
    ];
    for (const [operation, variables] of noOps) {
      const { body } = await authz.graphql(operation, variables, administrator());
      expect(body.errors, operation).toBeUndefined();
    }
    expect(await authz.version()).toBe(version);
    expect(authz.notifier.notified.length).toBe(published);
  });

  it('is not bumped by a change that fails', async () => {
    const version = await authz.version();
    const { body } = await authz.graphql(CREATE_ROLE, { name: 'admin', permissions: [] }, administrator());
    expect(body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(await authz.version()).toBe(version);
  });

  it('is what the effective permissions are read at, so the next request sees the change', async () => {
    const userId = randomUUID();
    const role = await createRole(authz, { permissions: [Permission.IdentityUserRead] });
    await assign(authz, userId, role.id);
    const published = authz.notifier.notified.at(-1)!.version;
    const { body } = await authz.internal('gateway', '/internal/permissions/effective', { userId });
    expect(body).toEqual({
      userId,
      roles: [role.name],
      permissions: [Permission.IdentityUserRead],
      version: published,
    });
  });
});

describe('a failing invalidation channel', () => {
  it('is logged but does not fail the mutation that already committed', async () => {
    const notifier = recordingNotifier();
    const authz = await startAuthz({ notifier });
    try {
      notifier.failure = new Error('gateway unreachable');
      const name = uniqueRoleName();
      const { body } = await authz.graphql(CREATE_ROLE, { name, permissions: [] }, administrator());
      expect(body.errors).toBeUndefined();
      expect(await authz.db('roles').where({ name })).toHaveLength(1);
      expect(notifier.notified).toHaveLength(1);
      expect(authz.logEntries()).toContainEqual(
        expect.objectContaining({
          level: 'error',
          msg: 'permissions changed but the gateway could not be told; cached permissions may be stale',
          version: await authz.version(),
        }),
      );
    } finally {
      await authz.stop();
    }
  });
});

/**
 * The test Redis on a database number of its own: other workspaces' tests (the gateway's)
 * read and write the same key on the shared server.
 */
function isolatedRedisUrl(): string {
  const url = new URL(testRedisUrl());
  url.pathname = '/7';
  return url.toString();
}

describe('publishing through Redis', () => {
  let redis: RedisClient;
  beforeAll(() => {
    redis = createRedis(isolatedRedisUrl(), 'authz-test');
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('writes the database version to authz:permissions-version at start and after each change', async () => {
    const authz = await startAuthz({ notifier: false, env: { REDIS_URL: isolatedRedisUrl() } });
    try {
      expect(await redis.get(PERMISSIONS_VERSION_KEY)).toBe(String(await authz.version()));
      await createRole(authz);
      expect(await redis.get(PERMISSIONS_VERSION_KEY)).toBe(String(await authz.version()));
      const ready = await fetch(`${authz.url}/readyz`);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { database: true, redis: true } });
    } finally {
      await authz.stop();
    }
  });

  it('never lowers the published version after a change, whatever order replicas publish in', async () => {
    const key = `test:${randomUUID()}:version`;
    const notifier = createRedisInvalidationNotifier(redis, key);
    await notifier.notify(6);
    await notifier.notify(5);
    expect(await redis.get(key)).toBe('6');
    // At start the database is the truth, even when it went back (a restored backup).
    await notifier.announce(3);
    expect(await redis.get(key)).toBe('3');
    await redis.del(key);
  });
});

describe('publishing to the gateway without Redis', () => {
  interface Received {
    method?: string;
    url?: string;
    authorization?: string;
    requestId?: string;
    body: unknown;
  }

  it('posts each new version to the gateway with our credential', async () => {
    const received: Received[] = [];
    const gateway = createServer((req: IncomingMessage, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      req.on('end', () => {
        received.push({
          method: req.method,
          url: req.url,
          authorization: req.headers.authorization,
          requestId: req.headers['x-request-id'] as string | undefined,
          body: JSON.parse(text) as unknown,
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const credential = randomToken('svc_');
    const authz = await startAuthz({
      notifier: false,
      env: {
        GATEWAY_INTERNAL_URL: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`,
        GATEWAY_INTERNAL_CREDENTIAL: credential,
      },
    });
    try {
      await createRole(authz);
      expect(received).toEqual([
        {
          method: 'POST',
          url: '/internal/authz/invalidate',
          authorization: `Bearer ${credential}`,
          requestId: expect.any(String) as string,
          body: { version: await authz.version() },
        },
      ]);
    } finally {
      await authz.stop();
      await new Promise((resolve) => gateway.close(resolve));
    }
  });

  it('still answers the mutation when the gateway is down', async () => {
    const authz = await startAuthz({
      notifier: false,
      env: { GATEWAY_INTERNAL_URL: 'http://127.0.0.1:9', GATEWAY_INTERNAL_CREDENTIAL: randomToken('svc_') },
    });
    try {
      const { body } = await authz.graphql(CREATE_ROLE, { name: uniqueRoleName(), permissions: [] }, administrator());
      expect(body.errors).toBeUndefined();
      expect(authz.logs().some((line) => line.includes('the gateway could not be told'))).toBe(true);
    } finally {
      await authz.stop();
    }
  });
});
