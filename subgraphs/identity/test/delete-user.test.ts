import { Permission } from '@platform/service-kit';
import { contractOperation, errorCode, eventually, signedIn } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityHarness } from './support.js';

const DELETE_USER = contractOperation('DeleteUser');
const USER_DELETED = 'platform.identity.user.deleted.v1';
const REMOVE = '/internal/users/remove';

interface DeleteUserData {
  deleteUser: { success: boolean };
}

const ADMIN_ID = '00000000-0000-4000-8000-0000000000ad';
const admin = () => signedIn(ADMIN_ID, [Permission.IdentityUserRead, Permission.IdentityUserDelete]);

describe('deleteUser', () => {
  let identity: IdentityHarness;
  beforeAll(async () => {
    identity = await startIdentity();
  });
  afterAll(() => identity.stop());

  const userRows = (id: string) => identity.db('users').where({ id });
  const tokenRows = (id: string) => identity.db('user_tokens').where({ user_id: id });
  const deletions = (id: string) => identity.published(USER_DELETED).filter((event) => event.subject === id);

  it('asks authz to remove the role assignments, then deletes the account and its tokens and publishes user.deleted', async () => {
    const user = await identity.register();
    await identity.mailToken(user.id, 'verify-email');
    expect(await tokenRows(user.id)).toHaveLength(1);

    const { body } = await identity.graphql<DeleteUserData>(DELETE_USER, { id: user.id }, admin());
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ deleteUser: { success: true } });

    expect(identity.authz.callsFor(user.id)).toEqual([REMOVE]);
    expect(await userRows(user.id)).toEqual([]);
    expect(await tokenRows(user.id)).toEqual([]);
    // auth ends every session of the user from this event.
    const [event] = await eventually(() => deletions(user.id).length > 0 && deletions(user.id), 'user.deleted');
    expect(event!.data).toMatchObject({ actorId: ADMIN_ID, userId: user.id });
    expect((await identity.verifyCredentials({ email: user.email, password: user.password })).status).toBe(401);
    expect(identity.logs().some((line) => line.includes('"user deleted"') && line.includes(user.id))).toBe(true);
  });

  it("calls authz with identity's credential and passes the request id on", async () => {
    const user = await identity.register();
    await identity.graphql(DELETE_USER, { id: user.id }, admin());
    const [call, ...more] = identity.authz.calls.filter((entry) => entry.userId === user.id);
    expect(more).toEqual([]);
    expect(call).toMatchObject({ path: REMOVE, authorization: `Bearer ${identity.authz.credential}` });
    expect(call!.requestId?.length).toBeGreaterThan(0);
    const [event] = await eventually(() => deletions(user.id).length > 0 && deletions(user.id), 'user.deleted');
    expect(event!.data.context.requestId).toBe(call!.requestId);
  });

  it('refuses to delete the last admin with CONFLICT and deletes nothing', async () => {
    const user = await identity.register();
    identity.authz.lastAdmins.add(user.id);
    const { body } = await identity.graphql<DeleteUserData>(DELETE_USER, { id: user.id }, admin());
    expect(body.data).toBeNull();
    expect(body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(body.errors?.[0]?.message).toBe('cannot delete the last admin');

    expect(identity.authz.callsFor(user.id)).toEqual([REMOVE]);
    expect(await userRows(user.id)).toHaveLength(1);
    expect((await identity.verifyCredentials({ email: user.email, password: user.password })).status).toBe(200);
  });

  it('fails and deletes nothing when authz cannot remove the role assignments, and logs why', async () => {
    const user = await identity.register();
    identity.authz.failing.add(user.id);
    const result = await identity.graphql<DeleteUserData>(DELETE_USER, { id: user.id }, admin());
    expect(errorCode(result)).toBe('INTERNAL_SERVER_ERROR');
    expect(await userRows(user.id)).toHaveLength(1);
    const logged = identity
      .logEntries()
      .find(
        (entry) =>
          entry.userId === user.id && entry.msg === 'user deletion failed: authz could not remove the role assignments',
      );
    expect(logged?.level).toBe('error');

    // Retrying once authz answers completes the deletion.
    identity.authz.failing.delete(user.id);
    const retried = await identity.graphql<DeleteUserData>(DELETE_USER, { id: user.id }, admin());
    expect(retried.body.data).toEqual({ deleteUser: { success: true } });
    expect(await userRows(user.id)).toEqual([]);
  });

  it('answers NOT_FOUND for an unknown user or an id that is not a UUID, without calling authz', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const before = identity.authz.calls.length;
      const result = await identity.graphql(DELETE_USER, { id }, admin());
      expect(errorCode(result)).toBe('NOT_FOUND');
      expect(identity.authz.calls.length).toBe(before);
    }
  });

  it('refuses a caller without identity.user.delete with FORBIDDEN (defense in depth)', async () => {
    const user = await identity.register();
    const reader = signedIn('00000000-0000-4000-8000-0000000000be', [Permission.IdentityUserRead]);
    const result = await identity.graphql(DELETE_USER, { id: user.id }, reader);
    expect(errorCode(result)).toBe('FORBIDDEN');
    expect(identity.authz.callsFor(user.id)).toEqual([]);
    expect(await userRows(user.id)).toHaveLength(1);
  });

  it('refuses an anonymous caller with UNAUTHENTICATED', async () => {
    const user = await identity.register();
    const result = await identity.graphql(DELETE_USER, { id: user.id });
    expect(errorCode(result)).toBe('UNAUTHENTICATED');
    expect(await userRows(user.id)).toHaveLength(1);
  });
});
