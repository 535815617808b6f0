import { randomUUID } from 'node:crypto';
import { Permission } from '@platform/service-kit';
import pg from 'pg';
import { errorCode, signedIn } from '@platform/devkit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedAuthz } from '../src/seed.js';
import {
  administrator,
  assign,
  ASSIGN_ROLE,
  createRole,
  startAuthz,
  UNASSIGN_ROLE,
  USER_ACCESS,
  userReference,
  type AuthzHarness,
  type UserAccessData,
} from './support.js';

interface AssignData {
  user: { id: string; roles: { name: string }[] };
}

/** Counts the SQL statements this process sends whose text matches `pattern`. */
function countQueries() {
  const spy = vi.spyOn(pg.Client.prototype, 'query');
  return (pattern: RegExp) =>
    spy.mock.calls.filter(([config]) => {
      const text = typeof config === 'string' ? config : (config as { text?: string }).text;
      return typeof text === 'string' && pattern.test(text);
    }).length;
}

describe('role assignments', () => {
  let authz: AuthzHarness;
  beforeAll(async () => {
    authz = await startAuthz();
  });
  afterAll(() => authz.stop());
  afterEach(() => vi.restoreAllMocks());

  describe('assignRole and unassignRole', () => {
    it('gives a user a role and answers the user with their roles', async () => {
      const userId = randomUUID();
      const role = await createRole(authz, { permissions: [Permission.IdentityUserRead] });
      await assign(authz, userId, await authz.roleId('user'));

      const { body } = await authz.graphql<{ assignRole: AssignData }>(
        ASSIGN_ROLE,
        { userId, roleId: role.id },
        administrator(),
      );
      expect(body.errors).toBeUndefined();
      expect(body.data?.assignRole.user).toEqual({
        id: userId,
        roles: [{ name: role.name }, { name: 'user' }].sort((a, b) => (a.name < b.name ? -1 : 1)),
      });
    });

    it('lets a caller holding only authz.role.assign see the roles they just changed', async () => {
      const userId = randomUUID();
      const role = await createRole(authz);
      const assigner = signedIn(randomUUID(), [Permission.AuthzRoleAssign]);
      const { body } = await authz.graphql<{ assignRole: AssignData }>(
        ASSIGN_ROLE,
        { userId, roleId: role.id },
        assigner,
      );
      expect(body.errors).toBeUndefined();
      expect(body.data?.assignRole.user.roles).toEqual([{ name: role.name }]);
    });

    it('assigns idempotently: a second assignment changes nothing', async () => {
      const userId = randomUUID();
      const role = await createRole(authz);
      await assign(authz, userId, role.id);
      const version = await authz.version();
      const { body } = await authz.graphql<{ assignRole: AssignData }>(
        ASSIGN_ROLE,
        { userId, roleId: role.id },
        administrator(),
      );
      expect(body.data?.assignRole.user.roles).toEqual([{ name: role.name }]);
      expect(await authz.db('user_roles').where({ user_id: userId })).toHaveLength(1);
      expect(await authz.version()).toBe(version);
    });

    it('takes a role away, and taking it again changes nothing', async () => {
      const userId = randomUUID();
      const kept = await createRole(authz);
      const removed = await createRole(authz);
      await assign(authz, userId, kept.id);
      await assign(authz, userId, removed.id);

      for (let attempt = 0; attempt < 2; attempt += 1) {
        const { body } = await authz.graphql<{ unassignRole: AssignData }>(
          UNASSIGN_ROLE,
          { userId, roleId: removed.id },
          administrator(),
        );
        expect(body.errors).toBeUndefined();
        expect(body.data?.unassignRole.user).toEqual({ id: userId, roles: [{ name: kept.name }] });
      }
    });

    it('answers NOT_FOUND for an unknown role and BAD_USER_INPUT for a user id that is not a UUID', async () => {
      for (const operation of [ASSIGN_ROLE, UNASSIGN_ROLE]) {
        const unknownRole = await authz.graphql(
          operation,
          { userId: randomUUID(), roleId: randomUUID() },
          administrator(),
        );
        expect(errorCode(unknownRole.body)).toBe('NOT_FOUND');

        const badUser = await authz.graphql(
          operation,
          { userId: 'bob', roleId: await authz.roleId('user') },
          administrator(),
        );
        expect(errorCode(badUser.body)).toBe('BAD_USER_INPUT');
        expect(badUser.body.errors?.[0]?.extensions?.fields).toEqual({ 'input.userId': 'must be a UUID (a user id)' });
      }
    });
  });

  describe('the last admin', () => {
    it('cannot lose the admin role, while an admin among several can', async () => {
      const first = randomUUID();
      const second = randomUUID();
      // A database of its own: other tests' admins would make nobody the last one.
      const isolated = await startAuthz();
      try {
        await seedAuthz(isolated.db, { adminUserId: first });
        const adminId = await isolated.roleId('admin');

        const lastOne = await isolated.graphql(UNASSIGN_ROLE, { userId: first, roleId: adminId }, administrator(first));
        expect(errorCode(lastOne.body)).toBe('CONFLICT');
        expect(lastOne.body.errors?.[0]?.message).toMatch(/^Cannot remove the last admin/);

        // Only an admin may make another.
        await assign(isolated, second, adminId, administrator(first));
        const oneOfTwo = await isolated.graphql<{ unassignRole: AssignData }>(
          UNASSIGN_ROLE,
          { userId: first, roleId: adminId },
          administrator(second),
        );
        expect(oneOfTwo.body.errors).toBeUndefined();
        expect(oneOfTwo.body.data?.unassignRole.user.roles).toEqual([]);

        const nowLast = await isolated.graphql(UNASSIGN_ROLE, { userId: second, roleId: adminId }, administrator());
        expect(errorCode(nowLast.body)).toBe('CONFLICT');
        expect(await isolated.db('user_roles').where({ role_id: adminId })).toEqual([
          expect.objectContaining({ user_id: second }),
        ]);
      } finally {
        await isolated.stop();
      }
    });

    it('never leaves the platform without an admin when two admins are unassigned at once', async () => {
      const isolated = await startAuthz();
      try {
        const admins = [randomUUID(), randomUUID()];
        for (const adminUserId of admins) await seedAuthz(isolated.db, { adminUserId });
        const adminId = await isolated.roleId('admin');
        const results = await Promise.all(
          admins.map((userId) => isolated.graphql(UNASSIGN_ROLE, { userId, roleId: adminId }, administrator())),
        );
        expect(results.map((result) => errorCode(result.body) ?? 'ok').sort()).toEqual(['CONFLICT', 'ok']);
        expect(await isolated.db('user_roles').where({ role_id: adminId })).toHaveLength(1);
      } finally {
        await isolated.stop();
      }
    });
  });

  describe("a user's roles and permissions (User entity)", () => {
    it("answers the contract's MyAccess fields for the signed-in user: roles and the union of their permissions", async () => {
      const userId = randomUUID();
      const readers = await createRole(authz, { permissions: [Permission.AuthzRoleRead, Permission.IdentityUserRead] });
      const writers = await createRole(authz, { permissions: [Permission.AuthzRoleWrite, Permission.AuthzRoleRead] });
      await assign(authz, userId, readers.id);
      await assign(authz, userId, writers.id);

      const { body } = await authz.graphql<UserAccessData>(
        USER_ACCESS,
        { representations: [userReference(userId)] },
        signedIn(userId),
      );
      expect(body.errors).toBeUndefined();
      expect(body.data?._entities).toEqual([
        {
          id: userId,
          roles: [readers, writers]
            .map((role) => ({ id: role.id, name: role.name }))
            .sort((a, b) => (a.name < b.name ? -1 : 1)),
          permissions: [Permission.AuthzRoleRead, Permission.AuthzRoleWrite, Permission.IdentityUserRead],
        },
      ]);
    });

    it('answers no roles and no permissions for a user without any', async () => {
      const userId = randomUUID();
      const { body } = await authz.graphql<UserAccessData>(
        USER_ACCESS,
        { representations: [userReference(userId)] },
        signedIn(userId),
      );
      expect(body.data?._entities).toEqual([{ id: userId, roles: [], permissions: [] }]);
    });

    it("refuses another user's roles and permissions without authz.role.read", async () => {
      const other = randomUUID();
      await assign(authz, other, await authz.roleId('user'));
      const caller = signedIn(randomUUID(), [Permission.IdentityUserRead]);
      for (const field of ['roles { name }', 'permissions']) {
        const { body } = await authz.graphql<UserAccessData>(
          `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { ${field} } } }`,
          { representations: [userReference(other)] },
          caller,
        );
        expect(body.data?._entities).toEqual([null]);
        expect(body.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([
          [['_entities', 0, field.split(' ')[0]], 'FORBIDDEN'],
        ]);
      }
    });

    it("shows another user's roles and permissions to a caller holding authz.role.read", async () => {
      const other = randomUUID();
      await assign(authz, other, await authz.roleId('user'));
      const { body } = await authz.graphql<UserAccessData>(
        USER_ACCESS,
        { representations: [userReference(other)] },
        signedIn(randomUUID(), [Permission.AuthzRoleRead]),
      );
      expect(body.errors).toBeUndefined();
      expect(body.data?._entities[0]?.roles.map((role) => role.name)).toEqual(['user']);
    });

    it('refuses an anonymous caller with UNAUTHENTICATED', async () => {
      const { body } = await authz.graphql<UserAccessData>(USER_ACCESS, {
        representations: [userReference(randomUUID())],
      });
      expect(errorCode(body)).toBe('UNAUTHENTICATED');
    });

    it('resolves N users with one query for their roles and one for their permissions', async () => {
      const role = await createRole(authz, { permissions: [Permission.AuthzRoleRead] });
      const users = Array.from({ length: 6 }, () => randomUUID());
      for (const userId of users.slice(0, 4)) await assign(authz, userId, role.id);
      const representations = [...users, users[0]!.toUpperCase(), 'not-a-uuid'].map(userReference);

      const queries = countQueries();
      const { body } = await authz.graphql<UserAccessData>(
        USER_ACCESS,
        { representations },
        signedIn(randomUUID(), [Permission.AuthzRoleRead]),
      );

      expect(body.errors).toBeUndefined();
      expect(body.data?._entities.map((entity) => entity?.permissions)).toEqual([
        ...users.map((_, index) => (index < 4 ? [Permission.AuthzRoleRead] : [])),
        [Permission.AuthzRoleRead],
        [],
      ]);
      expect(queries(/\bfrom user_roles ur join roles\b/i)).toBe(1);
      expect(queries(/\bjoin role_permissions\b/i)).toBe(1);
    });
  });
});
