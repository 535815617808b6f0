/**
 * authz reacting to identity's events: a registered user gets the default `user` role, a
 * deleted user loses their roles. Each event is applied once (inside the consumer's
 * deduplication transaction), and applying a second event about the same user is a no-op.
 */
import { randomUUID } from 'node:crypto';
import { eventually } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAuthz } from '../src/seed.js';
import { assign, createRole, rolesOf, startAuthz, userDeleted, userRegistered, type AuthzHarness } from './support.js';

/** Resolves once the consumer recorded every one of `events` as processed. */
async function processed(authz: AuthzHarness, events: readonly { id: string }[]): Promise<void> {
  const ids = [...new Set(events.map((event) => event.id))];
  await eventually(
    async () =>
      (await authz.db('processed_events').where({ consumer: 'authz' }).whereIn('event_id', ids)).length === ids.length,
    'the events to be processed',
  );
}

/** The outbox's events about `userId`, by type. */
async function outboxTypes(authz: AuthzHarness, userId: string): Promise<string[]> {
  const rows = await authz
    .db<{ key: string; seq: number; payload: { type: string } }>('outbox')
    .where({ key: userId })
    .orderBy('seq');
  return rows.map((row) => row.payload.type);
}

describe("identity's events", () => {
  let authz: AuthzHarness;
  beforeAll(async () => {
    authz = await startAuthz();
  });
  afterAll(() => authz?.stop());

  describe('platform.identity.user.registered.v1', () => {
    it('gives a new user the user role once, however often it arrives', async () => {
      const registered = userRegistered();
      const { userId } = registered.data;
      const before = await authz.version();
      // Redelivery (the same event twice) and a second registration event for the same user.
      const again = userRegistered(userId);
      await authz.publish([registered, registered]);
      await processed(authz, [registered]);
      await authz.publish([again]);
      await processed(authz, [again]);

      expect(await rolesOf(authz, userId)).toEqual(['user']);
      expect(await authz.version()).toBe(before + 1);
      expect(await outboxTypes(authz, userId)).toEqual(['platform.authz.role.assigned.v1']);
      const effective = await authz.internal('gateway', '/internal/permissions/effective', { userId });
      expect(effective.body).toMatchObject({ roles: ['user'], permissions: [] });

      const assigned = await eventually(
        () => authz.published('platform.authz.role.assigned.v1').find((event) => event.subject === userId),
        'role.assigned on the bus',
      );
      expect(assigned.data).toMatchObject({
        actorId: null,
        userId,
        roleName: 'user',
        permissionsVersion: before + 1,
        context: { requestId: registered.data.context.requestId, traceId: null, ip: null, userAgent: null },
      });
      expect(
        authz.published('platform.authz.role.assigned.v1').filter((event) => event.subject === userId),
      ).toHaveLength(1);
    });

    it('tells the gateway the new version once the role is committed', async () => {
      const registered = userRegistered();
      await authz.publish([registered]);
      await processed(authz, [registered]);
      const version = await authz.version();
      await eventually(
        () => authz.notifier.notified.some((notified) => notified.version === version),
        'the version to be published',
      );
      expect(authz.notifier.notified.at(-1)).toEqual({ version, requestId: registered.data.context.requestId });
    });
  });

  describe('platform.identity.user.deleted.v1', () => {
    it("removes the deleted user's roles once, and a user already gone is fine", async () => {
      const userId = randomUUID();
      const extra = await createRole(authz);
      await assign(authz, userId, await authz.roleId('user'));
      await assign(authz, userId, extra.id);

      const deleted = userDeleted(userId);
      await authz.publish([deleted, deleted]);
      await processed(authz, [deleted]);
      expect(await rolesOf(authz, userId)).toEqual([]);
      expect(await outboxTypes(authz, userId)).toEqual([
        'platform.authz.role.assigned.v1',
        'platform.authz.role.assigned.v1',
        'platform.authz.role.unassigned.v1',
        'platform.authz.role.unassigned.v1',
      ]);

      // identity already asked /internal/users/remove, or the user never held a role.
      const version = await authz.version();
      const gone = [userDeleted(userId), userDeleted(randomUUID())];
      await authz.publish(gone);
      await processed(authz, gone);
      expect(await authz.version()).toBe(version);
      expect(await outboxTypes(authz, userId)).toHaveLength(4);
    });

    it('keeps the last admin their admin role, and says so', async () => {
      const isolated = await startAuthz();
      try {
        const adminUserId = randomUUID();
        await seedAuthz(isolated.db, { adminUserId });
        const deleted = userDeleted(adminUserId);
        await isolated.publish([deleted]);
        await processed(isolated, [deleted]);
        expect(await rolesOf(isolated, adminUserId)).toEqual(['admin']);
        expect(isolated.logEntries()).toContainEqual(
          expect.objectContaining({
            level: 'error',
            userId: adminUserId,
            msg: 'a deleted user was the last admin: their roles are kept until another user is given admin',
          }),
        );
      } finally {
        await isolated.stop();
      }
    });
  });
});
