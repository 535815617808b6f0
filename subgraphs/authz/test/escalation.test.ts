/**
 * Grant only what you hold: role administration cannot raise anyone's access above the
 * caller's own. A permission the caller lacks cannot be put in a role (created or granted),
 * a role cannot be assigned by someone lacking one of its permissions, the system roles'
 * permissions are the seed's, and only an admin makes another admin. Each refusal is
 * FORBIDDEN, says why, and writes nothing.
 */
import { randomUUID } from 'node:crypto';
import { Permission } from '@platform/service-kit';
import { errorCode, signedIn } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAuthz } from '../src/seed.js';
import {
  administrator,
  assign,
  ASSIGN_ROLE,
  CREATE_ROLE,
  createRole,
  GRANT_PERMISSIONS,
  REVOKE_PERMISSIONS,
  startAuthz,
  uniqueRoleName,
  type AuthzHarness,
} from './support.js';

describe('grant only what you hold', () => {
  let authz: AuthzHarness;
  beforeAll(async () => {
    authz = await startAuthz();
  });
  afterAll(() => authz.stop());

  /** A role administrator who may write roles and read users, nothing more. */
  const roleWriter = () => signedIn(randomUUID(), [Permission.AuthzRoleWrite, Permission.IdentityUserRead]);

  it('refuses a role writer who grants their own role a permission they lack, and writes nothing', async () => {
    const writer = roleWriter();
    const own = await createRole(authz, { permissions: [Permission.AuthzRoleWrite] });
    const version = await authz.version();

    const { body } = await authz.graphql(
      GRANT_PERMISSIONS,
      { roleId: own.id, permissions: [Permission.AuthzRoleAssign, Permission.IdentityUserRead] },
      writer,
    );
    expect(errorCode(body)).toBe('FORBIDDEN');
    expect(body.errors?.[0]?.message).toBe(
      `You cannot grant permissions you do not hold yourself: ${Permission.AuthzRoleAssign}`,
    );
    expect(await authz.db('role_permissions').where({ role_id: own.id }).pluck('permission_code')).toEqual([
      Permission.AuthzRoleWrite,
    ]);
    expect(await authz.version()).toBe(version);

    // What they hold, they may grant.
    const held = await authz.graphql(
      GRANT_PERMISSIONS,
      { roleId: own.id, permissions: [Permission.IdentityUserRead] },
      writer,
    );
    expect(held.body.errors).toBeUndefined();
  });

  it('refuses to create a role with a permission the creator lacks', async () => {
    const name = uniqueRoleName('escalating');
    const { body } = await authz.graphql(
      CREATE_ROLE,
      { name, description: null, permissions: [Permission.AuthzRoleWrite, Permission.AuditLogRead] },
      roleWriter(),
    );
    expect(errorCode(body)).toBe('FORBIDDEN');
    expect(body.errors?.[0]?.message).toBe(
      `A role cannot be created with permissions you do not hold yourself: ${Permission.AuditLogRead}`,
    );
    expect(await authz.db('roles').where({ name })).toEqual([]);
  });

  it('refuses to assign a role whose permissions exceed the assigner’s', async () => {
    const assigner = signedIn(randomUUID(), [Permission.AuthzRoleAssign, Permission.AuthzRoleRead]);
    const powerful = await createRole(authz, { permissions: [Permission.AuthzRoleRead, Permission.AuthzRoleWrite] });
    const modest = await createRole(authz, { permissions: [Permission.AuthzRoleRead] });
    const target = randomUUID();

    const { body } = await authz.graphql(ASSIGN_ROLE, { userId: target, roleId: powerful.id }, assigner);
    expect(errorCode(body)).toBe('FORBIDDEN');
    expect(body.errors?.[0]?.message).toBe(
      `You cannot assign a role with permissions you do not hold yourself: ${Permission.AuthzRoleWrite}`,
    );
    expect(await authz.db('user_roles').where({ user_id: target })).toEqual([]);

    const allowed = await authz.graphql(ASSIGN_ROLE, { userId: target, roleId: modest.id }, assigner);
    expect(allowed.body.errors).toBeUndefined();
  });

  it('refuses any change to the permissions of the system roles', async () => {
    for (const name of ['user', 'guest']) {
      const roleId = await authz.roleId(name);
      for (const operation of [GRANT_PERMISSIONS, REVOKE_PERMISSIONS]) {
        const { body } = await authz.graphql(
          operation,
          { roleId, permissions: [Permission.IdentityUserRead] },
          administrator(),
        );
        expect(errorCode(body)).toBe('FORBIDDEN');
        expect(body.errors?.[0]?.message).toBe(`"${name}" is a system role: its permissions cannot be changed`);
      }
      expect(await authz.db('role_permissions').where({ role_id: roleId })).toEqual([]);
    }
  });

  it('lets only an admin assign the admin role, even to a caller holding every permission', async () => {
    const adminUserId = randomUUID();
    await seedAuthz(authz.db, { adminUserId });
    const adminRoleId = await authz.roleId('admin');
    const target = randomUUID();

    // Every permission of the catalog, but not the admin role.
    const { body } = await authz.graphql(ASSIGN_ROLE, { userId: target, roleId: adminRoleId }, administrator());
    expect(errorCode(body)).toBe('FORBIDDEN');
    expect(body.errors?.[0]?.message).toBe('Only an admin can assign the admin role');
    expect(await authz.db('user_roles').where({ user_id: target })).toEqual([]);

    await assign(authz, target, adminRoleId, administrator(adminUserId));
    expect(await authz.db('user_roles').where({ user_id: target, role_id: adminRoleId })).toHaveLength(1);
  });
});
