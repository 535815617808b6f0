/**
 * Authz's events (ADR 0002): every change to roles, grants and assignments writes its
 * events to the outbox in the transaction that bumps the permissions version, carrying
 * that version; a refused or idempotent change writes nothing, seeding writes only what it
 * changed, and the relay delivers the outbox to the event bus.
 */
import { randomUUID } from 'node:crypto';
import { permissionCatalog } from '@platform/service-kit';
import { errorCode, eventually, expectRelayed, outboxEvents, outboxSize } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAuthz } from '../src/seed.js';
import {
  administrator,
  ASSIGN_ROLE,
  CREATE_ROLE,
  createRole,
  DELETE_ROLE,
  GRANT_PERMISSIONS,
  REVOKE_PERMISSIONS,
  startAuthz,
  UNASSIGN_ROLE,
  uniqueRoleName,
  userRegistered,
  type AuthzHarness,
} from './support.js';

const [FIRST, SECOND, THIRD] = permissionCatalog.map((entry) => entry.code);

describe('authz events', () => {
  let authz: AuthzHarness;

  beforeAll(async () => {
    authz = await startAuthz();
  });
  afterAll(() => authz?.stop());

  const outbox = (subject: string) => outboxEvents(authz, subject);
  const typesOf = async (subject: string) => (await outbox(subject)).map((event) => event.type);
  const rowCount = () => outboxSize(authz);

  it('the first start seeds the system roles and writes role.created for each, by the platform', async () => {
    const adminRoleId = await authz.roleId('admin');
    const [created, ...rest] = await outbox(adminRoleId);
    expect(rest).toEqual([]);
    expect(created).toMatchObject({
      type: 'platform.authz.role.created.v1',
      subject: adminRoleId,
      data: {
        actorId: null,
        context: { requestId: null, traceId: null, ip: null, userAgent: null },
        roleId: adminRoleId,
        name: 'admin',
        permissions: [...permissionCatalog.map((entry) => entry.code)].sort(),
      },
    });
    expect(await typesOf(await authz.roleId('user'))).toEqual(['platform.authz.role.created.v1']);
  });

  it('seeding that changes nothing writes nothing; seeding an admin writes role.assigned', async () => {
    const before = await rowCount();
    expect((await seedAuthz(authz.db, {})).changed).toBe(false);
    expect(await rowCount()).toBe(before);

    const adminUserId = randomUUID();
    const seeded = await seedAuthz(authz.db, { adminUserId });
    const events = await outbox(adminUserId);
    expect(events.map((event) => event.type)).toEqual(['platform.authz.role.assigned.v1']);
    expect(events[0]!.data).toMatchObject({
      actorId: null,
      userId: adminUserId,
      roleName: 'admin',
      permissionsVersion: seeded.version,
    });
    await seedAuthz(authz.db, { adminUserId });
    expect(await outbox(adminUserId)).toHaveLength(1);
  });

  it('createRole writes role.created with the permissions and the new version; refused ones write nothing', async () => {
    const caller = administrator();
    const name = uniqueRoleName('evented');
    const role = await authz.graphql<{ createRole: { role: { id: string } } }>(
      CREATE_ROLE,
      { name, description: 'Made for events', permissions: [SECOND, FIRST] },
      caller,
    );
    const roleId = role.body.data!.createRole.role.id;
    const [event, ...rest] = await outbox(roleId);
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      type: 'platform.authz.role.created.v1',
      source: '/platform/authz',
      data: {
        actorId: caller.userId,
        target: { type: 'role', id: roleId },
        roleId,
        name,
        description: 'Made for events',
        permissions: [FIRST, SECOND].sort(),
        permissionsVersion: await authz.version(),
      },
    });
    expect(event!.data.context.requestId).toEqual(expect.any(String));

    const before = await rowCount();
    const unknown = await authz.graphql(
      CREATE_ROLE,
      { name: uniqueRoleName(), permissions: ['nope.nothing.here'] },
      caller,
    );
    expect(errorCode(unknown)).toBe('BAD_USER_INPUT');
    const duplicate = await authz.graphql(CREATE_ROLE, { name, permissions: [] }, caller);
    expect(errorCode(duplicate)).toBe('CONFLICT');
    expect(await rowCount()).toBe(before);
  });

  it('grant and revoke write one event per permission that changed, and nothing for a repeat', async () => {
    const role = await createRole(authz, { permissions: [FIRST!] });
    const caller = administrator();
    await authz.graphql(GRANT_PERMISSIONS, { roleId: role.id, permissions: [FIRST, SECOND, THIRD] }, caller);
    const grantedVersion = await authz.version();
    await authz.graphql(GRANT_PERMISSIONS, { roleId: role.id, permissions: [SECOND] }, caller);
    const unknown = await authz.graphql(REVOKE_PERMISSIONS, { roleId: role.id, permissions: ['nope.no.such'] }, caller);
    expect(errorCode(unknown)).toBe('BAD_USER_INPUT');
    await authz.graphql(REVOKE_PERMISSIONS, { roleId: role.id, permissions: [SECOND] }, caller);

    const events = (await outbox(role.id)).slice(1);
    expect(events.map((event) => [event.type, (event.data as { permission: string }).permission])).toEqual([
      ['platform.authz.permission.granted.v1', SECOND],
      ['platform.authz.permission.granted.v1', THIRD],
      ['platform.authz.permission.revoked.v1', SECOND],
    ]);
    expect(events[0]!.data).toMatchObject({
      actorId: caller.userId,
      roleId: role.id,
      permissionsVersion: grantedVersion,
    });
    expect(events[2]!.data).toMatchObject({ permissionsVersion: await authz.version() });
  });

  it('assign and unassign write role.assigned / role.unassigned keyed by the user; repeats write nothing', async () => {
    const role = await createRole(authz);
    const userId = randomUUID();
    const caller = administrator();
    await authz.graphql(ASSIGN_ROLE, { userId, roleId: role.id }, caller);
    await authz.graphql(ASSIGN_ROLE, { userId, roleId: role.id }, caller);
    await authz.graphql(UNASSIGN_ROLE, { userId, roleId: role.id }, caller);
    await authz.graphql(UNASSIGN_ROLE, { userId, roleId: role.id }, caller);
    const missing = await authz.graphql(ASSIGN_ROLE, { userId, roleId: randomUUID() }, caller);
    expect(errorCode(missing)).toBe('NOT_FOUND');
    const events = await outbox(userId);
    expect(events.map((event) => event.type)).toEqual([
      'platform.authz.role.assigned.v1',
      'platform.authz.role.unassigned.v1',
    ]);
    expect(events[0]!.data).toMatchObject({
      actorId: caller.userId,
      target: { type: 'user', id: userId },
      userId,
      roleId: role.id,
      roleName: role.name,
    });
  });

  it('the last admin cannot be unassigned, and the refusal writes nothing', async () => {
    const isolated = await startAuthz();
    try {
      const adminUserId = randomUUID();
      await seedAuthz(isolated.db, { adminUserId });
      const before = await outboxSize(isolated);
      const refused = await isolated.graphql(
        UNASSIGN_ROLE,
        { userId: adminUserId, roleId: await isolated.roleId('admin') },
        administrator(),
      );
      expect(errorCode(refused)).toBe('CONFLICT');
      expect(await outboxSize(isolated)).toBe(before);
    } finally {
      await isolated.stop();
    }
  });

  it('deleteRole writes role.deleted', async () => {
    const role = await createRole(authz);
    const caller = administrator();
    const { body } = await authz.graphql(DELETE_ROLE, { id: role.id }, caller);
    expect(body.errors).toBeUndefined();
    const events = await outbox(role.id);
    expect(events.map((event) => event.type)).toEqual([
      'platform.authz.role.created.v1',
      'platform.authz.role.deleted.v1',
    ]);
    expect(events[1]!.data).toMatchObject({
      actorId: caller.userId,
      roleId: role.id,
      name: role.name,
      permissionsVersion: await authz.version(),
    });
  });

  it("identity's registration and user removal write role.assigned and role.unassigned, by the platform", async () => {
    const userId = randomUUID();
    const extra = await createRole(authz);
    const registered = userRegistered(userId);
    await authz.publish([registered]);
    await eventually(async () => (await outbox(userId)).length === 1, 'the default role');
    await authz.graphql(ASSIGN_ROLE, { userId, roleId: extra.id }, administrator());
    expect((await authz.internal('identity', '/internal/users/remove', { userId })).body).toEqual({ removed: 2 });
    const events = await outbox(userId);
    expect(events.map((event) => [event.type, (event.data as { roleName: string }).roleName])).toEqual([
      ['platform.authz.role.assigned.v1', 'user'],
      ['platform.authz.role.assigned.v1', extra.name],
      // A removed user's roles go in name order ("role-…" before "user").
      ['platform.authz.role.unassigned.v1', extra.name],
      ['platform.authz.role.unassigned.v1', 'user'],
    ]);
    expect(events[0]!.data).toMatchObject({ actorId: null, context: { traceId: null, ip: null, userAgent: null } });
    // The registration's request, as identity's call carried it before.
    expect(events[0]!.data.context.requestId).toBe(registered.data.context.requestId);
    expect(events[2]!.data.context.requestId).toMatch(/\S/);
  });

  it('the relay delivers the outbox to the event bus in order and marks the rows published', async () => {
    const role = await createRole(authz, { permissions: [FIRST!] });
    await authz.graphql(GRANT_PERMISSIONS, { roleId: role.id, permissions: [SECOND] }, administrator());
    await expectRelayed(authz, role.id, ['platform.authz.role.created.v1', 'platform.authz.permission.granted.v1']);
  });
});
