import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedIn, startIdentity, type IdentityHarness } from './support.js';

const CHANGE_PASSWORD = /* GraphQL */ `
  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
    changePassword(input: { currentPassword: $currentPassword, newPassword: $newPassword }) {
      success
    }
  }
`;

describe('changePassword', () => {
  let identity: IdentityHarness;
  beforeAll(async () => {
    identity = await startIdentity();
  });
  afterAll(() => identity.stop());

  it('rejects a wrong current password with BAD_USER_INPUT on currentPassword and changes nothing', async () => {
    const user = await identity.register();
    const { body } = await identity.graphql(
      CHANGE_PASSWORD,
      { currentPassword: 'not my password', newPassword: 'a brand new one' },
      signedIn(user.id),
    );
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { currentPassword: 'is incorrect' },
    });
    expect(identity.revocations.filter((entry) => entry.input.userId === user.id)).toEqual([]);
    expect((await identity.verifyCredentials({ email: user.email, password: user.password })).status).toBe(200);
  });

  it('changes the password and revokes every other session of the user', async () => {
    const user = await identity.register();
    const caller = signedIn(user.id, 'session-keep-me');
    const { body } = await identity.graphql(
      CHANGE_PASSWORD,
      { currentPassword: user.password, newPassword: 'a brand new one' },
      caller,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.changePassword).toEqual({ success: true });
    expect(identity.revocations.filter((entry) => entry.input.userId === user.id).map((entry) => entry.input)).toEqual([
      { userId: user.id, exceptSessionId: 'session-keep-me', reason: 'password_changed' },
    ]);
    expect((await identity.verifyCredentials({ email: user.email, password: user.password })).status).toBe(401);
    expect((await identity.verifyCredentials({ email: user.email, password: 'a brand new one' })).status).toBe(200);
  });

  it('rejects a new password that is too short, or the same as the current one', async () => {
    const user = await identity.register();
    const tooShort = await identity.graphql(
      CHANGE_PASSWORD,
      { currentPassword: user.password, newPassword: 'short' },
      signedIn(user.id),
    );
    expect(tooShort.body.errors?.[0]?.extensions?.fields).toEqual({ newPassword: 'must be at least 8 characters' });
    const same = await identity.graphql(
      CHANGE_PASSWORD,
      { currentPassword: user.password, newPassword: user.password },
      signedIn(user.id),
    );
    expect(same.body.errors?.[0]?.extensions?.fields).toEqual({
      newPassword: 'must differ from the current password',
    });
  });

  it('refuses an anonymous caller with UNAUTHENTICATED', async () => {
    const { body } = await identity.graphql(CHANGE_PASSWORD, {
      currentPassword: 'whatever1',
      newPassword: 'whatever2',
    });
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
