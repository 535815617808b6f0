import { randomUUID } from 'node:crypto';
import { Permission, permissionCatalog } from '@platform/service-kit';
import { errorCode } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  administrator,
  assign,
  CREATE_ROLE,
  createRole,
  DELETE_ROLE,
  GRANT_PERMISSIONS,
  PERMISSIONS,
  REVOKE_PERMISSIONS,
  ROLE,
  ROLES,
  startAuthz,
  uniqueRoleName,
  type AuthzHarness,
  type RoleData,
} from './support.js';

const allCodes = permissionCatalog.map((entry) => entry.code).sort();

describe('roles and permissions', () => {
  let authz: AuthzHarness;
  beforeAll(async () => {
    authz = await startAuthz();
  });
  afterAll(() => authz.stop());

  describe('reading', () => {
    it('lists the system roles with their permissions, admin holding the whole catalog', async () => {
      const { body } = await authz.graphql<{ roles: RoleData[] }>(ROLES, {}, administrator());
      expect(body.errors).toBeUndefined();
      const byName = new Map(body.data!.roles.map((role) => [role.name, role]));
      expect(byName.get('admin')?.permissions).toEqual(allCodes);
      expect(byName.get('user')?.permissions).toEqual([]);
      expect(byName.get('guest')?.permissions).toEqual([]);
      expect(byName.get('admin')?.description).toMatch(/every permission/);
    });

    it('lists roles by name, each with its own permissions', async () => {
      const reader = await createRole(authz, { name: uniqueRoleName('aaa'), permissions: [Permission.AuthzRoleRead] });
      const { body } = await authz.graphql<{ roles: RoleData[] }>(ROLES, {}, administrator());
      const names = body.data!.roles.map((role) => role.name);
      expect(names).toEqual([...names].sort());
      expect(body.data!.roles.find((role) => role.id === reader.id)?.permissions).toEqual([Permission.AuthzRoleRead]);
    });

    it('reads one role by id, and answers null for an unknown or malformed id', async () => {
      const created = await createRole(authz, {
        description: 'Support staff',
        permissions: [Permission.IdentityUserRead],
      });
      const found = await authz.graphql<{ role: RoleData & { system: boolean; createdAt: string } }>(
        ROLE,
        { id: created.id.toUpperCase() },
        administrator(),
      );
      expect(found.body.data?.role).toMatchObject({
        id: created.id,
        name: created.name,
        description: 'Support staff',
        permissions: [Permission.IdentityUserRead],
        system: false,
      });
      expect(Date.now() - Date.parse(found.body.data!.role.createdAt)).toBeLessThan(60_000);

      for (const id of [randomUUID(), 'not-a-uuid']) {
        const missing = await authz.graphql(ROLE, { id }, administrator());
        expect(missing.body).toEqual({ data: { role: null } });
      }
    });

    it('lists the permission catalog with descriptions and owners', async () => {
      const { body } = await authz.graphql<{ permissions: { code: string; description: string }[] }>(
        PERMISSIONS,
        {},
        administrator(),
      );
      expect(body.data?.permissions).toEqual(
        [...permissionCatalog]
          .sort((a, b) => (a.code < b.code ? -1 : 1))
          .map((entry) => ({ code: entry.code, description: entry.description })),
      );
      const owners = await authz.graphql<{ permissions: { code: string; owner: string }[] }>(
        '{ permissions { code owner } }',
        {},
        administrator(),
      );
      expect(owners.body.data?.permissions.find((entry) => entry.code === Permission.AuthzRoleWrite)?.owner).toBe(
        'authz',
      );
    });
  });

  describe('createRole', () => {
    it('creates a role with its permissions, trimmed and lower-cased, each code once', async () => {
      const name = uniqueRoleName('Editor');
      const { body } = await authz.graphql<{ createRole: { role: RoleData } }>(
        CREATE_ROLE,
        {
          name: `  ${name.toUpperCase()} `,
          description: '  Edits things  ',
          permissions: [Permission.IdentityUserRead, Permission.AuthzRoleRead, Permission.IdentityUserRead],
        },
        administrator(),
      );
      expect(body.errors).toBeUndefined();
      expect(body.data?.createRole.role).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/) as string,
        name: name.toLowerCase(),
        permissions: [Permission.AuthzRoleRead, Permission.IdentityUserRead],
      });
      const stored: unknown = await authz.db('roles').where({ id: body.data!.createRole.role.id }).first();
      expect(stored).toMatchObject({ description: 'Edits things', system: false });
    });

    it('refuses unknown permission codes, listing each under permissions', async () => {
      const { body } = await authz.graphql(
        CREATE_ROLE,
        { name: uniqueRoleName(), permissions: [Permission.AuthzRoleRead, 'authz.role.fly', 'nope'] },
        administrator(),
      );
      expect(errorCode(body)).toBe('BAD_USER_INPUT');
      expect(body.errors?.[0]?.extensions?.fields).toEqual({
        'input.permissions': 'unknown permission codes: "authz.role.fly", "nope"',
      });
    });

    it('refuses a name that exists already, in any letter case', async () => {
      const name = uniqueRoleName('dup');
      await createRole(authz, { name });
      const { body } = await authz.graphql(CREATE_ROLE, { name: name.toUpperCase(), permissions: [] }, administrator());
      expect(errorCode(body)).toBe('CONFLICT');
      expect(body.errors?.[0]?.message).toBe(`A role named "${name}" exists already`);

      const system = await authz.graphql(CREATE_ROLE, { name: 'Admin', permissions: [] }, administrator());
      expect(errorCode(system.body)).toBe('CONFLICT');
    });

    it('refuses a badly formed name and an overlong description, reporting both at once', async () => {
      for (const name of ['', 'x', '1abc', 'has space', 'dots.not.allowed', `a${'b'.repeat(50)}`]) {
        const { body } = await authz.graphql(CREATE_ROLE, { name, permissions: [] }, administrator());
        expect(errorCode(body), name).toBe('BAD_USER_INPUT');
        expect(Object.keys(body.errors?.[0]?.extensions?.fields ?? {}), name).toEqual(['input.name']);
      }
      const { body } = await authz.graphql(
        CREATE_ROLE,
        { name: '-', description: 'x'.repeat(501), permissions: ['unknown.code.here'] },
        administrator(),
      );
      expect(Object.keys(body.errors?.[0]?.extensions?.fields ?? {}).sort()).toEqual([
        'input.description',
        'input.name',
        'input.permissions',
      ]);
    });
  });

  describe('grantPermissions and revokePermissions', () => {
    it('grants permissions, keeping those the role had', async () => {
      const role = await createRole(authz, { permissions: [Permission.AuthzRoleRead] });
      const { body } = await authz.graphql<{ grantPermissions: { role: RoleData } }>(
        GRANT_PERMISSIONS,
        { roleId: role.id, permissions: [Permission.IdentityUserRead, Permission.AuthzRoleRead] },
        administrator(),
      );
      expect(body.data?.grantPermissions.role).toEqual({
        id: role.id,
        permissions: [Permission.AuthzRoleRead, Permission.IdentityUserRead],
      });
    });

    it('revokes permissions, ignoring those the role does not grant', async () => {
      const role = await createRole(authz, { permissions: [Permission.AuthzRoleRead, Permission.IdentityUserRead] });
      const { body } = await authz.graphql<{ revokePermissions: { role: RoleData } }>(
        REVOKE_PERMISSIONS,
        { roleId: role.id, permissions: [Permission.AuthzRoleRead, Permission.AuthzRoleWrite] },
        administrator(),
      );
      expect(body.data?.revokePermissions.role).toEqual({ id: role.id, permissions: [Permission.IdentityUserRead] });
    });

    it('refuses unknown permission codes when granting and revoking', async () => {
      const role = await createRole(authz);
      for (const operation of [GRANT_PERMISSIONS, REVOKE_PERMISSIONS]) {
        const { body } = await authz.graphql(
          operation,
          { roleId: role.id, permissions: ['billing.invoice.pay'] },
          administrator(),
        );
        expect(errorCode(body)).toBe('BAD_USER_INPUT');
        expect(body.errors?.[0]?.extensions?.fields).toEqual({
          'input.permissions': 'unknown permission code: "billing.invoice.pay"',
        });
      }
    });

    it('answers NOT_FOUND for an unknown role', async () => {
      for (const operation of [GRANT_PERMISSIONS, REVOKE_PERMISSIONS]) {
        for (const roleId of [randomUUID(), 'not-a-uuid']) {
          const { body } = await authz.graphql(
            operation,
            { roleId, permissions: [Permission.AuthzRoleRead] },
            administrator(),
          );
          expect(errorCode(body)).toBe('NOT_FOUND');
          expect(body.errors?.[0]?.message).toBe(`No role has the id "${roleId}"`);
        }
      }
    });

    it('refuses to revoke anything from admin, which always holds every permission', async () => {
      const adminId = await authz.roleId('admin');
      const { body } = await authz.graphql(
        REVOKE_PERMISSIONS,
        { roleId: adminId, permissions: [Permission.AuthzRoleWrite] },
        administrator(),
      );
      expect(errorCode(body)).toBe('CONFLICT');
      expect(body.errors?.[0]?.message).toMatch(/admin role always holds every permission/);
      const { body: roles } = await authz.graphql<{ roles: RoleData[] }>(ROLES, {}, administrator());
      expect(roles.data?.roles.find((role) => role.name === 'admin')?.permissions).toEqual(allCodes);
    });
  });

  describe('deleteRole', () => {
    it('deletes a role nobody holds', async () => {
      const role = await createRole(authz, { permissions: [Permission.AuthzRoleRead] });
      const { body } = await authz.graphql(DELETE_ROLE, { id: role.id }, administrator());
      expect(body).toEqual({ data: { deleteRole: { success: true } } });
      expect(await authz.db('roles').where({ id: role.id })).toEqual([]);
      expect(await authz.db('role_permissions').where({ role_id: role.id })).toEqual([]);
    });

    it('refuses to delete a role users hold unless cascade is true, saying how many hold it', async () => {
      const role = await createRole(authz);
      const users = [randomUUID(), randomUUID(), randomUUID()];
      for (const userId of users) await assign(authz, userId, role.id);

      const refused = await authz.graphql(DELETE_ROLE, { id: role.id }, administrator());
      expect(errorCode(refused.body)).toBe('CONFLICT');
      expect(refused.body.errors?.[0]?.message).toBe(
        `The role "${role.name}" is assigned to 3 users: unassign it first, or delete it with cascade: true`,
      );
      expect(await authz.db('user_roles').where({ role_id: role.id })).toHaveLength(3);

      const cascaded = await authz.graphql(DELETE_ROLE, { id: role.id, cascade: true }, administrator());
      expect(cascaded.body).toEqual({ data: { deleteRole: { success: true } } });
      expect(await authz.db('user_roles').where({ role_id: role.id })).toEqual([]);
    });

    it('refuses to delete a system role, even with cascade', async () => {
      for (const name of ['admin', 'user', 'guest']) {
        const { body } = await authz.graphql(
          DELETE_ROLE,
          { id: await authz.roleId(name), cascade: true },
          administrator(),
        );
        expect(errorCode(body)).toBe('CONFLICT');
        expect(body.errors?.[0]?.message).toBe(`"${name}" is a system role and cannot be deleted`);
      }
    });

    it('answers NOT_FOUND for an unknown role', async () => {
      const { body } = await authz.graphql(DELETE_ROLE, { id: randomUUID() }, administrator());
      expect(errorCode(body)).toBe('NOT_FOUND');
    });
  });
});
