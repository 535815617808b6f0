import { randomUUID } from 'node:crypto';
import { Permission } from '@platform/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAuthz } from '../src/seed.js';
import { assign, createRole, startAuthz, type AuthzHarness } from './support.js';

describe('the internal API', () => {
  let authz: AuthzHarness;
  beforeAll(async () => {
    authz = await startAuthz();
  });
  afterAll(() => authz.stop());

  describe('POST /internal/permissions/effective (gateway)', () => {
    it("answers a user's effective permissions, role names and the version they were read at", async () => {
      const userId = randomUUID();
      const readers = await createRole(authz, { permissions: [Permission.AuthzRoleRead, Permission.IdentityUserRead] });
      const assigners = await createRole(authz, {
        permissions: [Permission.AuthzRoleAssign, Permission.AuthzRoleRead],
      });
      await assign(authz, userId, readers.id);
      await assign(authz, userId, assigners.id);

      const { status, body } = await authz.internal('gateway', '/internal/permissions/effective', {
        userId: userId.toUpperCase(),
      });
      expect(status).toBe(200);
      expect(body).toEqual({
        userId,
        permissions: [Permission.AuthzRoleAssign, Permission.AuthzRoleRead, Permission.IdentityUserRead],
        roles: [readers.name, assigners.name].sort(),
        version: await authz.version(),
      });
    });

    it('answers nothing granted for a user without roles', async () => {
      const userId = randomUUID();
      const { body } = await authz.internal('gateway', '/internal/permissions/effective', { userId });
      expect(body).toEqual({ userId, permissions: [], roles: [], version: await authz.version() });
    });
  });

  it('GET /internal/permissions/version answers the current version (gateway)', async () => {
    await createRole(authz);
    const { status, body } = await authz.internal('gateway', '/internal/permissions/version', undefined, {
      method: 'GET',
    });
    expect(status).toBe(200);
    expect(body).toEqual({ version: await authz.version() });
  });

  describe('POST /internal/users/remove (identity)', () => {
    it('removes every role assignment of a user about to be deleted and says how many', async () => {
      const userId = randomUUID();
      await assign(authz, userId, await authz.roleId('user'));
      await assign(authz, userId, (await createRole(authz)).id);

      const removed = await authz.internal('identity', '/internal/users/remove', { userId });
      expect(removed).toEqual({ status: 200, body: { removed: 2 } });
      expect(await authz.db('user_roles').where({ user_id: userId })).toEqual([]);
      const again = await authz.internal('identity', '/internal/users/remove', { userId });
      expect(again).toEqual({ status: 200, body: { removed: 0 } });
    });

    it('refuses to remove the last admin with 409, and removes an admin among several', async () => {
      const isolated = await startAuthz();
      try {
        const [first, second] = [randomUUID(), randomUUID()];
        await seedAuthz(isolated.db, { adminUserId: first });
        const refused = await isolated.internal('identity', '/internal/users/remove', { userId: first });
        expect(refused).toEqual({ status: 409, body: { error: 'cannot remove the last admin' } });
        expect(await isolated.db('user_roles').where({ user_id: first })).toHaveLength(1);

        await seedAuthz(isolated.db, { adminUserId: second });
        const removed = await isolated.internal('identity', '/internal/users/remove', { userId: first });
        expect(removed).toEqual({ status: 200, body: { removed: 1 } });
      } finally {
        await isolated.stop();
      }
    });
  });

  it("no longer serves /internal/users/default-role: the default role comes with identity's user.registered", async () => {
    const userId = randomUUID();
    const response = await authz.internal('identity', '/internal/users/default-role', { userId });
    expect(response.status).toBe(404);
    expect(await authz.db('user_roles').where({ user_id: userId })).toEqual([]);
  });

  describe('refusals', () => {
    const endpoints: ['GET' | 'POST', string, 'gateway' | 'identity'][] = [
      ['POST', '/internal/permissions/effective', 'gateway'],
      ['GET', '/internal/permissions/version', 'gateway'],
      ['POST', '/internal/users/remove', 'identity'],
    ];
    /** Calls an endpoint with its method (a new user id in a POST's body). */
    const call = (method: 'GET' | 'POST', path: string, caller: string, authorization?: string | null) =>
      authz.internal<Record<string, unknown>>(caller, path, { userId: randomUUID() }, { authorization, method });

    it('refuses a missing or wrong credential with 401', async () => {
      for (const [method, path] of endpoints) {
        for (const authorization of [null, `Bearer ${'x'.repeat(43)}`, authz.credential('gateway')]) {
          const response = await call(method, path, 'gateway', authorization);
          expect(response.status, `${path} ${authorization}`).toBe(401);
          expect(response.body).toEqual({ error: 'A valid service credential is required', code: 'UNAUTHENTICATED' });
        }
      }
    });

    it("refuses a service calling another service's endpoint with 403", async () => {
      for (const [method, path, owner] of endpoints) {
        const other = owner === 'gateway' ? 'identity' : 'gateway';
        const response = await call(method, path, other);
        expect(response.status, path).toBe(403);
        expect(response.body.error).toBe(`The ${other} service may not call ${path}`);
      }
    });

    it('answers 400 with a message to a body that is not { userId: <uuid> }', async () => {
      for (const [, path, owner] of endpoints.filter(([method]) => method === 'POST')) {
        for (const body of ['{not json', '[]', {}, { userId: 42 }, { userId: 'bob' }]) {
          const response = await authz.internal<{ error?: string }>(owner, path, body);
          expect(response.status, `${path} ${JSON.stringify(body)}`).toBe(400);
          expect(response.body.error).toMatch(/JSON/);
        }
      }
    });
  });
});
