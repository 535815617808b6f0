import { Permission } from '@platform/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedIn, startIdentity, type IdentityHarness } from './support.js';

const DELETE_USER = /* GraphQL */ `
  mutation DeleteUser($id: ID!) {
    deleteUser(input: { id: $id }) {
      success
    }
  }
`;

interface DeleteUserData {
  deleteUser: { success: boolean };
}

const admin = () =>
  signedIn('00000000-0000-4000-8000-0000000000ad', undefined, [
    Permission.IdentityUserRead,
    Permission.IdentityUserDelete,
  ]);

describe('deleteUser', () => {
  let identity: IdentityHarness;
  beforeAll(async () => {
    identity = await startIdentity();
  });
  afterAll(() => identity.stop());

  const userRows = (id: string) => identity.db('users').where({ id });
  const tokenRows = (id: string) => identity.db('user_tokens').where({ user_id: id });

  it('removes the role assignments, then ends every session, then deletes the account and its tokens', async () => {
    const user = await identity.register();
    await identity.mailToken(user.id, 'verify-email');
    expect(await tokenRows(user.id)).toHaveLength(1);

    const { body } = await identity.graphql<DeleteUserData>(DELETE_USER, { id: user.id }, admin());
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ deleteUser: { success: true } });

    expect(identity.callsFor(user.id)).toEqual(['authz.assignDefaultRole', 'authz.removeUser', 'auth.revokeSessions']);
    expect(identity.revocations.filter((entry) => entry.input.userId === user.id).map((entry) => entry.input)).toEqual([
      { userId: user.id, exceptSessionId: null, reason: 'user_deleted' },
    ]);
    expect(await userRows(user.id)).toEqual([]);
    expect(await tokenRows(user.id)).toEqual([]);
    expect((await identity.verifyCredentials({ email: user.email, password: user.password })).status).toBe(401);
    expect(identity.logs().some((line) => line.includes('"user deleted"') && line.includes(user.id))).toBe(true);
  });

  it('passes the request id on to authz and auth', async () => {
    const user = await identity.register();
    await identity.graphql(DELETE_USER, { id: user.id }, admin());
    const calls = identity.serviceCalls.filter(
      (call) => call.userId === user.id && call.operation !== 'assignDefaultRole',
    );
    expect(calls).toHaveLength(2);
    expect(calls[0]!.requestId).toBe(calls[1]!.requestId);
    expect(calls[0]!.requestId.length).toBeGreaterThan(0);
  });

  it('refuses to delete the last admin with CONFLICT and deletes nothing', async () => {
    const user = await identity.register();
    identity.authz.lastAdmins.add(user.id);
    const { body } = await identity.graphql<DeleteUserData>(DELETE_USER, { id: user.id }, admin());
    expect(body.data).toBeNull();
    expect(body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(body.errors?.[0]?.message).toBe('cannot delete the last admin');

    expect(identity.callsFor(user.id)).toEqual(['authz.assignDefaultRole', 'authz.removeUser']);
    expect(await userRows(user.id)).toHaveLength(1);
    expect((await identity.verifyCredentials({ email: user.email, password: user.password })).status).toBe(200);
  });

  it('answers NOT_FOUND for an unknown user or an id that is not a UUID, without calling other services', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const before = identity.serviceCalls.length;
      const { body } = await identity.graphql(DELETE_USER, { id }, admin());
      expect(body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(identity.serviceCalls.length).toBe(before);
    }
  });

  it('refuses a caller without identity.user.delete with FORBIDDEN (defense in depth)', async () => {
    const user = await identity.register();
    const reader = signedIn('00000000-0000-4000-8000-0000000000be', undefined, [Permission.IdentityUserRead]);
    const { body } = await identity.graphql(DELETE_USER, { id: user.id }, reader);
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(identity.callsFor(user.id)).toEqual(['authz.assignDefaultRole']);
    expect(await userRows(user.id)).toHaveLength(1);
  });

  it('refuses an anonymous caller with UNAUTHENTICATED', async () => {
    const user = await identity.register();
    const { body } = await identity.graphql(DELETE_USER, { id: user.id });
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await userRows(user.id)).toHaveLength(1);
  });
});
