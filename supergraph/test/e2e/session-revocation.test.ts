/**
 * Access tokens end with their session: after logout, a password change or the account's
 * deletion, the access tokens of the ended sessions are refused by the gateway with 401
 * UNAUTHENTICATED, without waiting for them to expire (auth's session.revoked events feed the
 * gateway's revoked-session set). Each test also says how long that took. And a stolen access
 * token is no password oracle: `changePassword` needs a recent sign-in and is throttled.
 */
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@platform/devkit/testing';
import { contractOperation } from '../harness/operations.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { errorCodes, login, registerUser } from '../harness/users.js';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(() => platform.stop());

const me = (token: string) => platform.graphql(contractOperation('Me'), {}, { token });

/** Waits until `token` is refused as a client sees it; answers how many milliseconds that took. */
async function refusedWithin(token: string, since: number): Promise<number> {
  const refused = await eventually(
    async () => {
      const response = await me(token);
      return response.status === 401 ? response : undefined;
    },
    'the access token to be refused',
    // Well below the 15 minutes a token used to live on; generous for a loaded test machine.
    10_000,
  );
  expect(errorCodes(refused)).toEqual(['UNAUTHENTICATED']);
  return Date.now() - since;
}

describe('access tokens end with their session', () => {
  it('refuses the access token of a session that logged out', async () => {
    const user = await registerUser(platform, 'logout');
    const session = await login(platform, user);
    const other = await login(platform, user);
    expect((await me(session.accessToken)).body.data).toMatchObject({ me: { id: user.id } });

    const loggedOut = Date.now();
    const logout = await platform.graphql(
      contractOperation('Logout'),
      { refreshToken: session.refreshToken },
      { token: session.accessToken },
    );
    expect(logout.body.errors).toBeUndefined();
    const elapsed = await refusedWithin(session.accessToken, loggedOut);
    console.info(`logout: access token refused ${elapsed} ms after the logout answered`);

    // The user's other session goes on.
    expect((await me(other.accessToken)).body.data).toMatchObject({ me: { id: user.id } });
  });

  it('refuses the other sessions’ access tokens after a password change, keeping the changing one', async () => {
    const user = await registerUser(platform, 'password');
    const changing = await login(platform, user);
    const stolen = await login(platform, user);

    const changed = Date.now();
    const change = await platform.graphql(
      contractOperation('ChangePassword'),
      { currentPassword: user.password, newPassword: `${user.password}-new` },
      { token: changing.accessToken },
    );
    expect(change.body.errors).toBeUndefined();
    const elapsed = await refusedWithin(stolen.accessToken, changed);
    console.info(`password change: other session's access token refused ${elapsed} ms after the change answered`);
    expect((await me(changing.accessToken)).body.data).toMatchObject({ me: { id: user.id } });
  });

  it('refuses every access token of a deleted account', async () => {
    const user = await registerUser(platform, 'deleted');
    const session = await login(platform, user);
    const admin = await login(platform, platform.admin);

    const deleted = Date.now();
    const deletion = await platform.graphql(
      contractOperation('DeleteUser'),
      { id: user.id },
      { token: admin.accessToken },
    );
    expect(deletion.body.errors).toBeUndefined();
    const elapsed = await refusedWithin(session.accessToken, deleted);
    console.info(`deletion: access token refused ${elapsed} ms after the deletion answered`);
  });
});

describe('changePassword is no password oracle for a stolen access token', () => {
  /** An access token of `userId` as auth signs them, whose credential sign-in was `authAgeSeconds` ago. */
  async function tokenSignedInAgo(userId: string, authAgeSeconds: number): Promise<string> {
    const [key] = (await platform.authSigningKeys()) as [JWK];
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: platform.environments.auth!.ACCESS_TOKEN_ISSUER ?? 'platform-auth',
      aud: platform.environments.auth!.ACCESS_TOKEN_AUDIENCE ?? 'platform-api',
      sub: userId,
      sid: randomUUID(),
      auth_time: now - authAgeSeconds,
      iat: now,
      exp: now + 900,
      jti: randomUUID(),
    })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: key.kid! })
      .sign(await importJWK(key, 'EdDSA'));
  }

  it('refuses a token whose sign-in is older than 15 minutes (a refreshed one, say), before identity is asked', async () => {
    const user = await registerUser(platform, 'stale');
    const change = await platform.graphql(
      contractOperation('ChangePassword'),
      { currentPassword: user.password, newPassword: `${user.password}-new` },
      { token: await tokenSignedInAgo(user.id, 3600) },
    );
    expect(change.body.data).toBeNull();
    expect(errorCodes(change)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
    // Still the old password.
    await login(platform, user);
  });

  it('refuses further guesses with RATE_LIMITED after five wrong current passwords', async () => {
    const user = await registerUser(platform, 'oracle');
    const token = await tokenSignedInAgo(user.id, 60);
    const guess = (currentPassword: string) =>
      platform.graphql(
        contractOperation('ChangePassword'),
        { currentPassword, newPassword: 'a brand new password' },
        { token },
      );
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      expect(errorCodes(await guess(`wrong guess ${attempt}`))).toEqual(['BAD_USER_INPUT']);
    }
    const refused = await guess(user.password);
    expect(errorCodes(refused)).toEqual(['RATE_LIMITED']);
    expect(refused.body.errors?.[0]?.message).toBe('Too many wrong current passwords: try again later');
    expect(refused.body.errors?.[0]?.extensions?.retryAfter).toBeGreaterThan(0);
  });
});
