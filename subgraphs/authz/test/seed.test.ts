import { randomUUID } from 'node:crypto';
import { Permission, permissionCatalog, type Database } from '@platform/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAuthz } from '../src/seed.js';
import {
  administrator,
  createRole,
  recordingNotifier,
  REVOKE_PERMISSIONS,
  startAuthz,
  type AuthzHarness,
  type RoleData,
} from './support.js';

/** Every row of every authz table, in a stable order. */
async function snapshot(db: Database) {
  return {
    permissions: await db('permissions').orderBy('code'),
    roles: await db('roles').orderBy('name'),
    rolePermissions: await db('role_permissions').orderBy(['role_id', 'permission_code']),
    userRoles: await db('user_roles').orderBy(['user_id', 'role_id']),
    state: await db('authz_state'),
  };
}

async function grantsOf(db: Database, roleName: string): Promise<string[]> {
  const { rows } = await db.raw<{ rows: { permission_code: string }[] }>(
    `select permission_code from role_permissions join roles on roles.id = role_permissions.role_id
      where roles.name = ? order by permission_code collate "C"`,
    [roleName],
  );
  return rows.map((row) => row.permission_code);
}

const NEW_PERMISSION = { code: 'authz.report.read', description: 'Read access reports', owner: 'authz' };

describe('seeding', () => {
  let authz: AuthzHarness;
  beforeAll(async () => {
    authz = await startAuthz();
  });
  afterAll(() => authz.stop());

  it('gives a fresh database the catalog and the system roles at start', async () => {
    const { body } = await authz.graphql<{ roles: (RoleData & { system?: boolean })[] }>(
      '{ roles { name system permissions } }',
      {},
      administrator(),
    );
    expect(body.data?.roles).toEqual([
      { name: 'admin', system: true, permissions: permissionCatalog.map((entry) => entry.code).sort() },
      { name: 'guest', system: true, permissions: [] },
      { name: 'user', system: true, permissions: [] },
    ]);
    expect(await authz.db('permissions').count('* as count')).toEqual([{ count: permissionCatalog.length }]);
  });

  it('changes nothing the second time, to the last row, and makes the admin user an admin once', async () => {
    const adminUserId = randomUUID();
    const first = await seedAuthz(authz.db, { adminUserId });
    expect(first).toMatchObject({ changed: true, adminAssigned: true, version: await authz.version() });
    const before = await snapshot(authz.db);

    const second = await seedAuthz(authz.db, { adminUserId: adminUserId.toUpperCase() });
    expect(second).toEqual({ version: first.version, changed: false, adminAssigned: false, retiredStillGranted: [] });
    expect(await snapshot(authz.db)).toEqual(before);

    // A restart seeds again: still nothing changes.
    const restarted = await startAuthz({ databaseUrl: authz.databaseUrl });
    await restarted.stop();
    expect(await snapshot(authz.db)).toEqual(before);
  });

  it('gives admin every permission added to the catalog, and takes back the ones dropped from it', async () => {
    const isolated = await startAuthz();
    try {
      const grown = await seedAuthz(isolated.db, { catalog: [...permissionCatalog, NEW_PERMISSION] });
      expect(grown.changed).toBe(true);
      expect(await grantsOf(isolated.db, 'admin')).toContain(NEW_PERMISSION.code);

      const shrunk = await seedAuthz(isolated.db, {});
      expect(shrunk.changed).toBe(true);
      expect(await grantsOf(isolated.db, 'admin')).toEqual(permissionCatalog.map((entry) => entry.code).sort());
      // Nobody grants it any more: it leaves the catalog table too.
      expect(await isolated.db('permissions').where({ code: NEW_PERMISSION.code })).toEqual([]);
    } finally {
      await isolated.stop();
    }
  });

  it('keeps a dropped permission a custom role still grants, reports it, and lets it be revoked', async () => {
    const isolated = await startAuthz();
    try {
      await seedAuthz(isolated.db, { catalog: [...permissionCatalog, NEW_PERMISSION] });
      const auditors = await createRole(isolated, { permissions: [Permission.AuthzRoleRead] });
      await isolated.db('role_permissions').insert({ role_id: auditors.id, permission_code: NEW_PERMISSION.code });

      const shrunk = await seedAuthz(isolated.db, {});
      expect(shrunk.retiredStillGranted).toEqual([NEW_PERMISSION.code]);
      expect(await grantsOf(isolated.db, auditors.name)).toEqual([NEW_PERMISSION.code, Permission.AuthzRoleRead]);

      const { body } = await isolated.graphql(
        REVOKE_PERMISSIONS,
        { roleId: auditors.id, permissions: [NEW_PERMISSION.code] },
        administrator(),
      );
      expect(body.errors).toBeUndefined();
      expect((await seedAuthz(isolated.db, {})).retiredStillGranted).toEqual([]);
      expect(await isolated.db('permissions').where({ code: NEW_PERMISSION.code })).toEqual([]);
    } finally {
      await isolated.stop();
    }
  });

  it('updates a changed description without bumping the version', async () => {
    const isolated = await startAuthz();
    try {
      const version = await isolated.version();
      const reworded = permissionCatalog.map((entry) =>
        entry.code === Permission.AuthzRoleRead ? { ...entry, description: 'Reworded' } : entry,
      );
      expect((await seedAuthz(isolated.db, { catalog: reworded })).changed).toBe(false);
      expect(await isolated.db('permissions').where({ code: Permission.AuthzRoleRead }).first()).toMatchObject({
        description: 'Reworded',
      });
      expect(await isolated.version()).toBe(version);
      await seedAuthz(isolated.db, {});
    } finally {
      await isolated.stop();
    }
  });

  it('tells the notifier the new version when it changed something, and only then', async () => {
    const notifier = recordingNotifier();
    const result = await seedAuthz(authz.db, { adminUserId: randomUUID(), notifier });
    expect(notifier.notified).toEqual([{ version: result.version }]);
    await seedAuthz(authz.db, { notifier });
    expect(notifier.notified).toHaveLength(1);
  });

  it('refuses an admin user id that is not a UUID', async () => {
    await expect(seedAuthz(authz.db, { adminUserId: 'admin@example.com' })).rejects.toThrow(/must be a UUID/);
  });
});
