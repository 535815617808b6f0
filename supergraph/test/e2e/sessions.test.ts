/**
 * The identity and session operations of the client contract, end to end through the
 * real gateway: register, log in, read and change the profile, rotate refresh tokens,
 * detect replay, log out, list sessions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@platform/devkit/testing';
import { contractOperation } from '../harness/operations.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { errorCodes, login, registerUser, uniqueEmail } from '../harness/users.js';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(() => platform.stop());

describe('the session lifecycle through the gateway', () => {
  it('registers a user with a normalised email and reads it back with Me', async () => {
    const email = uniqueEmail('Mixed.Case');
    const registered = await platform.graphql(contractOperation('Register'), {
      email: `  ${email.toUpperCase()} `,
      password: 'correct horse battery',
      name: 'Ada Lovelace',
    });
    expect(registered.body.errors).toBeUndefined();
    expect(registered.body.data).toMatchObject({
      register: { user: { email: email.toLowerCase(), name: 'Ada Lovelace', emailVerified: false } },
    });

    const session = await login(platform, { email, password: 'correct horse battery' });
    expect(session).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: { email: email.toLowerCase() } });
    const me = await platform.graphql(contractOperation('Me'), {}, { token: session.accessToken });
    expect(me.body.data).toMatchObject({ me: { email: email.toLowerCase(), name: 'Ada Lovelace' } });
  });

  it('updates the caller’s own profile', async () => {
    const user = await registerUser(platform, 'profile');
    const { accessToken } = await login(platform, user);
    const updated = await platform.graphql(
      contractOperation('UpdateProfile'),
      { name: 'New Name' },
      { token: accessToken },
    );
    expect(updated.body.data).toEqual({ updateProfile: { user: { id: user.id, name: 'New Name' } } });
  });

  it('removes Me for an anonymous caller at the gateway: null and UNAUTHORIZED_FIELD_OR_TYPE at its path', async () => {
    const me = await platform.graphql(contractOperation('Me'));
    expect(me.body.data).toBeNull();
    expect(me.body.errors).toEqual([
      { message: 'Unauthorized field or type', path: ['me'], extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' } },
    ]);
  });

  it('rotates refresh tokens: each use returns a new one and the old one stops working', async () => {
    const user = await registerUser(platform, 'rotate');
    const first = await login(platform, user);
    const rotated = await platform.graphql<{ refreshToken: { accessToken: string; refreshToken: string } }>(
      contractOperation('RefreshToken'),
      { refreshToken: first.refreshToken },
    );
    expect(rotated.body.errors).toBeUndefined();
    const second = rotated.body.data!.refreshToken;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const me = await platform.graphql(contractOperation('Me'), {}, { token: second.accessToken });
    expect(me.body.data).toMatchObject({ me: { id: user.id } });
  });

  it('rejects a replayed refresh token and then revokes the whole session family', async () => {
    const user = await registerUser(platform, 'replay');
    const first = await login(platform, user);
    const rotated = await platform.graphql<{ refreshToken: { refreshToken: string } }>(
      contractOperation('RefreshToken'),
      {
        refreshToken: first.refreshToken,
      },
    );
    const successor = rotated.body.data!.refreshToken.refreshToken;

    const replay = await platform.graphql(contractOperation('RefreshToken'), { refreshToken: first.refreshToken });
    expect(errorCodes(replay)).toEqual(['UNAUTHENTICATED']);
    const afterReplay = await platform.graphql(contractOperation('RefreshToken'), { refreshToken: successor });
    expect(errorCodes(afterReplay)).toEqual(['UNAUTHENTICATED']);
  });

  it('logs out: the session’s refresh token no longer works', async () => {
    const user = await registerUser(platform, 'logout');
    const session = await login(platform, user);
    const loggedOut = await platform.graphql(contractOperation('Logout'), { refreshToken: session.refreshToken });
    expect(loggedOut.body.data).toEqual({ logout: { success: true } });
    const refresh = await platform.graphql(contractOperation('RefreshToken'), { refreshToken: session.refreshToken });
    expect(errorCodes(refresh)).toEqual(['UNAUTHENTICATED']);
  });

  it('lists the caller’s sessions with MySessions, across subgraphs', async () => {
    const user = await registerUser(platform, 'sessions');
    const desktop = await login(platform, user, { 'user-agent': 'desktop-browser/1.0' });
    await login(platform, user, { 'user-agent': 'phone-app/2.0' });
    const sessions = await platform.graphql<{ me: { id: string; sessions: { userAgent: string }[] } }>(
      contractOperation('MySessions'),
      {},
      { token: desktop.accessToken },
    );
    expect(sessions.body.errors).toBeUndefined();
    expect(sessions.body.data!.me.id).toBe(user.id);
    expect(sessions.body.data!.me.sessions.map((session) => session.userAgent).sort()).toEqual([
      'desktop-browser/1.0',
      'phone-app/2.0',
    ]);
  });

  it('changes the password with the current one and revokes the other sessions', async () => {
    const user = await registerUser(platform, 'change');
    const kept = await login(platform, user);
    const other = await login(platform, user);
    const changed = await platform.graphql(
      contractOperation('ChangePassword'),
      { currentPassword: user.password, newPassword: 'a brand new password' },
      { token: kept.accessToken },
    );
    expect(changed.body.data).toEqual({ changePassword: { success: true } });

    // auth ends the other sessions when identity's password_changed event reaches it.
    await eventually(async () => {
      const sessions = await platform.graphql<{ me: { sessions: unknown[] } }>(
        contractOperation('MySessions'),
        {},
        { token: kept.accessToken },
      );
      return sessions.body.data?.me.sessions.length === 1;
    }, 'the other session to end');
    const otherRefresh = await platform.graphql(contractOperation('RefreshToken'), {
      refreshToken: other.refreshToken,
    });
    expect(errorCodes(otherRefresh)).toEqual(['UNAUTHENTICATED']);
    const keptRefresh = await platform.graphql(contractOperation('RefreshToken'), { refreshToken: kept.refreshToken });
    expect(keptRefresh.body.errors).toBeUndefined();

    await expect(login(platform, user)).rejects.toThrow(/login failed/);
    await expect(login(platform, { email: user.email, password: 'a brand new password' })).resolves.toBeDefined();
  });
});
