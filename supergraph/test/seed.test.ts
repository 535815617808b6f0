/** Seeding the platform is idempotent: the second run changes no row of any table. */
import { createDatabase, type Database } from '@platform/service-kit';
import { createTestDatabase } from '@platform/devkit/testing';
import { describe, expect, it } from 'vitest';
import { seedPlatform } from '../src/platform/seed.js';

async function snapshot(db: Database, tables: string[]) {
  const contents: Record<string, unknown[]> = {};
  for (const table of tables) contents[table] = await db(table).select('*').orderByRaw('1');
  return contents;
}

describe('seeding', () => {
  it('creates the admin with every permission once, and a second run changes nothing', async () => {
    const identityUrl = await createTestDatabase('seed_identity');
    const authzUrl = await createTestDatabase('seed_authz');
    const admin = { email: 'root@example.test', password: 'seed password 1', generated: false };
    const first = await seedPlatform({ identityDatabaseUrl: identityUrl, authzDatabaseUrl: authzUrl, admin });
    expect(first.adminCreated).toBe(true);

    const identity = createDatabase({ url: identityUrl, applicationName: 'seed-test' });
    const authz = createDatabase({ url: authzUrl, applicationName: 'seed-test' });
    try {
      const identityTables = ['users'];
      const authzTables = ['permissions', 'roles', 'role_permissions', 'user_roles', 'authz_state'];
      const before = { ...(await snapshot(identity, identityTables)), ...(await snapshot(authz, authzTables)) };

      const second = await seedPlatform({
        identityDatabaseUrl: identityUrl,
        authzDatabaseUrl: authzUrl,
        admin: { ...admin, password: 'a different password' },
      });
      expect(second).toEqual({ adminUserId: first.adminUserId, adminCreated: false, authzChanged: false });
      const after = { ...(await snapshot(identity, identityTables)), ...(await snapshot(authz, authzTables)) };
      expect(after).toEqual(before);

      const roles = await authz('roles').select('name').orderBy('name');
      expect(roles.map((role: { name: string }) => role.name)).toEqual(['admin', 'guest', 'user']);
      const adminGrants = await authz('role_permissions')
        .join('roles', 'roles.id', 'role_permissions.role_id')
        .where('roles.name', 'admin')
        .count<{ count: number }[]>('* as count');
      const catalog = await authz('permissions').count<{ count: number }[]>('* as count');
      expect(adminGrants[0]!.count).toBe(catalog[0]!.count);
    } finally {
      await identity.destroy();
      await authz.destroy();
    }
  });
});
