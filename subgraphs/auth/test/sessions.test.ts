import { errorCode, postGraphQL, signedIn, type GraphQLResponse } from '@platform/devkit/testing';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Permission } from '@platform/service-kit';
import {
  login,
  LOGIN,
  LOGOUT,
  newUser,
  REFRESH,
  startAuth,
  USER_SESSIONS,
  type AuthHarness,
  type RefreshData,
} from './support.js';

describe('auth sessions', () => {
  const alice = newUser('alice');
  const bob = newUser('bob');
  let auth: AuthHarness;

  beforeAll(async () => {
    auth = await startAuth({ users: [alice, bob] });
  });
  afterAll(() => auth?.stop());

  const refresh = (refreshToken: string) => auth.graphql<RefreshData>(REFRESH, { refreshToken });
  /** A caller the gateway proved, in a given session (none by default). */
  const caller = (userId: string, sessionId: string | null = null, permissions: string[] = []) => ({
    ...signedIn(userId, permissions),
    sessionId,
  });

  it('issues an access token that verifies with the served JWKS', async () => {
    const payload = await login(auth, alice);
    expect(payload.tokenType).toBe('Bearer');
    expect(payload.expiresIn).toBe(900);
    expect(payload.user).toEqual({ id: alice.id, email: alice.email.toLowerCase() });
    expect(payload.refreshToken).toMatch(/^rt_[A-Za-z0-9_-]{43}$/);

    const jwksResponse = await fetch(`${auth.url}/.well-known/jwks.json`);
    expect(jwksResponse.status).toBe(200);
    expect(jwksResponse.headers.get('cache-control')).toBe('public, max-age=300');
    const jwks = (await jwksResponse.json()) as { keys: { kid: string; d?: string }[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) expect(key.d).toBeUndefined();

    const header = decodeProtectedHeader(payload.accessToken);
    expect(header).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: jwks.keys[0]!.kid });
    const { payload: claims } = await jwtVerify(payload.accessToken, createLocalJWKSet(jwks as never), {
      algorithms: ['EdDSA'],
      typ: 'at+jwt',
      issuer: 'platform-auth',
      audience: 'platform-api',
      requiredClaims: ['exp', 'iat', 'sub', 'jti', 'sid', 'auth_time'],
    });
    expect(claims.sub).toBe(alice.id);
    expect(claims.exp! - claims.iat!).toBe(900);
    expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(10);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims.sid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(claims).sort()).toEqual(['aud', 'auth_time', 'exp', 'iat', 'iss', 'jti', 'sid', 'sub']);
  });

  it('stamps access tokens with auth_time, the epoch second the session was created at login', async () => {
    const payload = await login(auth, alice);
    const claims = decodeJwt(payload.accessToken);
    const session = (await auth.db('sessions').where({ id: claims.sid }).first()) as { created_at: Date };
    expect(claims.auth_time).toBe(Math.floor(session.created_at.getTime() / 1000));
    expect(Number.isInteger(claims.auth_time)).toBe(true);
    expect(claims.auth_time).toBeLessThanOrEqual(claims.iat!);
  });

  it('keeps auth_time unchanged across refreshes: a refresh is not a new sign-in', async () => {
    const first = await login(auth, alice);
    const sid = decodeJwt(first.accessToken).sid as string;
    // As if the user had signed in an hour ago and refreshed ever since.
    const signedInAt = new Date(Date.now() - 3_600_000);
    await auth.db('sessions').where({ id: sid }).update({ created_at: signedInAt });

    const second = (await refresh(first.refreshToken)).body.data!.refreshToken;
    const third = (await refresh(second.refreshToken)).body.data!.refreshToken;
    for (const token of [second.accessToken, third.accessToken]) {
      const claims = decodeJwt(token);
      expect(claims.sid).toBe(sid);
      expect(claims.auth_time).toBe(Math.floor(signedInAt.getTime() / 1000));
      expect(claims.iat! - (claims.auth_time as number)).toBeGreaterThanOrEqual(3600);
    }
  });

  it('refuses an unknown user and a wrong password with the same error', async () => {
    const unknown = await auth.graphql(LOGIN, { email: 'nobody@example.test', password: 'whatever' });
    const wrong = await auth.graphql(LOGIN, { email: alice.email, password: 'not the password' });
    for (const result of [unknown, wrong]) {
      expect(result.body.data).toBeNull();
      expect(result.body.errors?.[0]?.message).toBe('Invalid email or password');
      expect(errorCode(result)).toBe('UNAUTHENTICATED');
    }
    expect(unknown.body.errors?.[0]?.extensions).toEqual(wrong.body.errors?.[0]?.extensions);
  });

  it('rejects an empty email as bad input', async () => {
    const result = await auth.graphql(LOGIN, { email: '  ', password: 'x' });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.body.errors?.[0]?.extensions?.fields).toEqual({ 'input.email': 'must not be empty' });
  });

  it('rotates the refresh token on every use', async () => {
    const first = await login(auth, alice);
    const second = await refresh(first.refreshToken);
    expect(second.body.errors).toBeUndefined();
    const rotated = second.body.data!.refreshToken;
    expect(rotated.refreshToken).not.toBe(first.refreshToken);
    expect(rotated.tokenType).toBe('Bearer');
    expect(rotated.expiresIn).toBe(900);
    expect(decodeJwt(rotated.accessToken).sid).toBe(decodeJwt(first.accessToken).sid);
    expect(decodeJwt(rotated.accessToken).jti).not.toBe(decodeJwt(first.accessToken).jti);

    const third = await refresh(rotated.refreshToken);
    expect(third.body.errors).toBeUndefined();
    expect(third.body.data!.refreshToken.refreshToken).not.toBe(rotated.refreshToken);
  });

  it('rejects a refresh token that was already rotated and revokes its whole session', async () => {
    const first = await login(auth, alice);
    const rotated = (await refresh(first.refreshToken)).body.data!.refreshToken;

    const replay = await refresh(first.refreshToken);
    expect(replay.body.data).toBeNull();
    expect(errorCode(replay)).toBe('UNAUTHENTICATED');
    expect(replay.body.errors?.[0]?.message).toBe('Invalid or expired refresh token');

    // The legitimate holder's successor dies with the session.
    const successor = await refresh(rotated.refreshToken);
    expect(errorCode(successor)).toBe('UNAUTHENTICATED');
    expect(auth.logs().some((line) => line.includes('refresh token reused after rotation'))).toBe(true);
  });

  it('lets exactly one of two concurrent refreshes of one token succeed', async () => {
    const first = await login(auth, alice);
    const results = await Promise.all([refresh(first.refreshToken), refresh(first.refreshToken)]);
    const succeeded = results.filter((result) => result.body.data?.refreshToken);
    const failed = results.filter((result) => errorCode(result) === 'UNAUTHENTICATED');
    expect(succeeded).toHaveLength(1);
    expect(failed).toHaveLength(1);
    // The loser used a spent token: that is a replay, so the session ends for both.
    expect(errorCode(await refresh(succeeded[0]!.body.data!.refreshToken.refreshToken))).toBe('UNAUTHENTICATED');
  });

  it('rejects unknown and malformed refresh tokens', async () => {
    for (const token of [`rt_${'A'.repeat(43)}`, 'garbage', '']) {
      const result = await refresh(token);
      expect(errorCode(result)).toBe('UNAUTHENTICATED');
      expect(result.body.errors?.[0]?.message).toBe('Invalid or expired refresh token');
    }
  });

  it('revokes the session on logout, and logging out again still succeeds', async () => {
    const session = await login(auth, alice);
    const sid = decodeJwt(session.accessToken).sid as string;
    const loggedOut = await auth.graphql(LOGOUT, { refreshToken: session.refreshToken });
    expect(loggedOut.body.data).toEqual({ logout: { success: true } });

    expect(errorCode(await refresh(session.refreshToken))).toBe('UNAUTHENTICATED');
    const again = await auth.graphql(LOGOUT, { refreshToken: session.refreshToken });
    expect(again.body.data).toEqual({ logout: { success: true } });

    const listed = await auth.graphql<{ _entities: { sessions: { id: string }[] }[] }>(
      USER_SESSIONS,
      { representations: [{ __typename: 'User', id: alice.id }] },
      caller(alice.id),
    );
    expect(listed.body.data!._entities[0]!.sessions.map((listedSession) => listedSession.id)).not.toContain(sid);
  });

  it('refuses logout with an unknown refresh token', async () => {
    const result = await auth.graphql(LOGOUT, { refreshToken: `rt_${'B'.repeat(43)}` });
    expect(errorCode(result)).toBe('UNAUTHENTICATED');
  });

  it('lists the own sessions of a user through _entities and marks the current one', async () => {
    const carol = newUser('carol');
    auth.users.push(carol);
    const laptop = await login(auth, carol, { 'user-agent': 'Laptop/1.0', 'x-forwarded-for': '203.0.113.7' });
    const phone = await login(auth, carol, { 'user-agent': 'Phone/2.0' });
    const laptopSid = decodeJwt(laptop.accessToken).sid as string;
    const phoneSid = decodeJwt(phone.accessToken).sid as string;

    const result = await auth.graphql<{
      _entities: {
        id: string;
        sessions: {
          id: string;
          createdAt: string;
          lastUsedAt: string;
          expiresAt: string;
          userAgent: string | null;
          ipAddress: string | null;
          current: boolean;
        }[];
      }[];
    }>(USER_SESSIONS, { representations: [{ __typename: 'User', id: carol.id }] }, caller(carol.id, laptopSid));
    expect(result.body.errors).toBeUndefined();
    const sessions = result.body.data!._entities[0]!.sessions;
    expect(sessions.map((session) => session.id).sort()).toEqual([laptopSid, phoneSid].sort());
    const laptopSession = sessions.find((session) => session.id === laptopSid)!;
    expect(laptopSession).toMatchObject({ current: true, userAgent: 'Laptop/1.0', ipAddress: '203.0.113.7' });
    expect(sessions.find((session) => session.id === phoneSid)).toMatchObject({
      current: false,
      userAgent: 'Phone/2.0',
    });
    expect(laptopSession.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const lifetime = Date.parse(laptopSession.expiresAt) - Date.parse(laptopSession.createdAt);
    expect(Math.round(lifetime / 1000)).toBe(604_800);
  });

  it('moves lastUsedAt forward when a session refreshes', async () => {
    const dave = newUser('dave');
    auth.users.push(dave);
    const session = await login(auth, dave);
    const sid = decodeJwt(session.accessToken).sid as string;
    const list = async () =>
      (
        await auth.graphql<{ _entities: { sessions: { id: string; lastUsedAt: string }[] }[] }>(
          USER_SESSIONS,
          { representations: [{ __typename: 'User', id: dave.id }] },
          caller(dave.id, sid),
        )
      ).body.data!._entities[0]!.sessions[0]!;
    const before = await list();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await refresh(session.refreshToken);
    const after = await list();
    expect(after.id).toBe(sid);
    expect(Date.parse(after.lastUsedAt)).toBeGreaterThan(Date.parse(before.lastUsedAt));
  });

  it("refuses to list another user's sessions with FORBIDDEN", async () => {
    await login(auth, bob);
    const result = await auth.graphql(
      USER_SESSIONS,
      { representations: [{ __typename: 'User', id: bob.id }] },
      caller(alice.id),
    );
    expect(errorCode(result)).toBe('FORBIDDEN');
    expect(result.body.errors?.[0]?.path).toEqual(['_entities', 0, 'sessions']);
  });

  it("lists another user's sessions for a caller with auth.session.read", async () => {
    const grace = newUser('grace');
    auth.users.push(grace);
    const session = await login(auth, grace);
    const result = await auth.graphql<{ _entities: { sessions: { id: string; current: boolean }[] }[] }>(
      USER_SESSIONS,
      { representations: [{ __typename: 'User', id: grace.id }] },
      caller(alice.id, null, [Permission.AuthSessionRead]),
    );
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data!._entities[0]!.sessions).toEqual([
      expect.objectContaining({ id: decodeJwt(session.accessToken).sid, current: false }),
    ]);
  });

  it("refuses another user's sessions to a caller whose permissions lack auth.session.read", async () => {
    const result = await auth.graphql(
      USER_SESSIONS,
      { representations: [{ __typename: 'User', id: bob.id }] },
      caller(alice.id, null, [Permission.IdentityUserRead]),
    );
    expect(errorCode(result)).toBe('FORBIDDEN');
  });

  it('refuses to list sessions for an anonymous caller', async () => {
    const result = await auth.graphql(USER_SESSIONS, { representations: [{ __typename: 'User', id: bob.id }] });
    expect(errorCode(result)).toBe('UNAUTHENTICATED');
  });

  it('refuses GraphQL without a gateway proof with 401', async () => {
    const response = await postGraphQL(auth.url, {
      query: LOGIN,
      variables: { email: alice.email, password: alice.password },
    });
    expect(response.status).toBe(401);
    expect(errorCode((await response.json()) as GraphQLResponse)).toBe('UNAUTHENTICATED');
  });

  it('reports ready when the database answers', async () => {
    const response = await fetch(`${auth.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', checks: { database: true } });
  });

  it('never logs passwords or tokens', async () => {
    const session = await login(auth, alice);
    await refresh(session.refreshToken);
    const text = auth.logs().join('\n');
    expect(text).not.toContain(alice.password);
    expect(text).not.toContain(session.refreshToken);
    expect(text).not.toContain(session.accessToken);
  });
});
