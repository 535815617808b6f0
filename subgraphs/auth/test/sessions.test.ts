import { captureLogs, createTestDatabase } from '@platform/devkit/testing';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, createLogger, Permission, type Database } from '@platform/service-kit';
import {
  errorCode,
  login,
  LOGIN,
  LOGOUT,
  newUser,
  REFRESH,
  startAuthServer,
  USER_SESSIONS,
  type RefreshData,
  type TestAuthServer,
} from './helpers.js';

describe('auth sessions', () => {
  const alice = newUser('alice');
  const bob = newUser('bob');
  const logs = captureLogs();
  let auth: TestAuthServer;
  /** The test's own connection to auth's database, for looking at and adjusting rows. */
  let db: Database;

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase('auth_sessions');
    auth = await startAuthServer({
      databaseUrl,
      users: [alice, bob],
      logger: createLogger({ service: 'auth', level: 'debug', destination: logs.stream }),
    });
    db = createDatabase({ url: databaseUrl, applicationName: 'auth-test' });
  });
  afterAll(async () => {
    await auth?.stop();
    await db?.destroy();
  });

  const refresh = (refreshToken: string) => auth.graphql<RefreshData>(REFRESH, { refreshToken });

  it('issues an access token that verifies with the served JWKS', async () => {
    const payload = await login(auth, alice);
    expect(payload.tokenType).toBe('Bearer');
    expect(payload.expiresIn).toBe(900);
    expect(payload.user).toEqual({ id: alice.id });
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
    const session = (await db('sessions').where({ id: claims.sid }).first()) as { created_at: Date };
    expect(claims.auth_time).toBe(Math.floor(session.created_at.getTime() / 1000));
    expect(Number.isInteger(claims.auth_time)).toBe(true);
    expect(claims.auth_time).toBeLessThanOrEqual(claims.iat!);
  });

  it('keeps auth_time unchanged across refreshes: a refresh is not a new sign-in', async () => {
    const first = await login(auth, alice);
    const sid = decodeJwt(first.accessToken).sid as string;
    // As if the user had signed in an hour ago and refreshed ever since.
    const signedInAt = new Date(Date.now() - 3_600_000);
    await db('sessions').where({ id: sid }).update({ created_at: signedInAt });

    const second = (await refresh(first.refreshToken)).data!.refreshToken;
    const third = (await refresh(second.refreshToken)).data!.refreshToken;
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
      expect(result.data).toBeNull();
      expect(result.errors?.[0]?.message).toBe('Invalid email or password');
      expect(errorCode(result)).toBe('UNAUTHENTICATED');
    }
    expect(unknown.errors?.[0]?.extensions).toEqual(wrong.errors?.[0]?.extensions);
  });

  it('rejects an empty email as bad input', async () => {
    const result = await auth.graphql(LOGIN, { email: '  ', password: 'x' });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.extensions?.fields).toEqual({ 'input.email': 'must not be empty' });
  });

  it('rotates the refresh token on every use', async () => {
    const first = await login(auth, alice);
    const second = await refresh(first.refreshToken);
    expect(second.errors).toBeUndefined();
    const rotated = second.data!.refreshToken;
    expect(rotated.refreshToken).not.toBe(first.refreshToken);
    expect(rotated.tokenType).toBe('Bearer');
    expect(rotated.expiresIn).toBe(900);
    expect(decodeJwt(rotated.accessToken).sid).toBe(decodeJwt(first.accessToken).sid);
    expect(decodeJwt(rotated.accessToken).jti).not.toBe(decodeJwt(first.accessToken).jti);

    const third = await refresh(rotated.refreshToken);
    expect(third.errors).toBeUndefined();
    expect(third.data!.refreshToken.refreshToken).not.toBe(rotated.refreshToken);
  });

  it('rejects a refresh token that was already rotated and revokes its whole session', async () => {
    const first = await login(auth, alice);
    const rotated = (await refresh(first.refreshToken)).data!.refreshToken;

    const replay = await refresh(first.refreshToken);
    expect(replay.data).toBeNull();
    expect(errorCode(replay)).toBe('UNAUTHENTICATED');
    expect(replay.errors?.[0]?.message).toBe('Invalid or expired refresh token');

    // The legitimate holder's successor dies with the session.
    const successor = await refresh(rotated.refreshToken);
    expect(errorCode(successor)).toBe('UNAUTHENTICATED');
    expect(logs.lines().some((line) => line.includes('refresh token reused after rotation'))).toBe(true);
  });

  it('lets exactly one of two concurrent refreshes of one token succeed', async () => {
    const first = await login(auth, alice);
    const results = await Promise.all([refresh(first.refreshToken), refresh(first.refreshToken)]);
    const succeeded = results.filter((result) => result.data?.refreshToken);
    const failed = results.filter((result) => errorCode(result) === 'UNAUTHENTICATED');
    expect(succeeded).toHaveLength(1);
    expect(failed).toHaveLength(1);
    // The loser used a spent token: that is a replay, so the session ends for both.
    expect(errorCode(await refresh(succeeded[0]!.data!.refreshToken.refreshToken))).toBe('UNAUTHENTICATED');
  });

  it('rejects unknown and malformed refresh tokens', async () => {
    for (const token of [`rt_${'A'.repeat(43)}`, 'garbage', '']) {
      const result = await refresh(token);
      expect(errorCode(result)).toBe('UNAUTHENTICATED');
      expect(result.errors?.[0]?.message).toBe('Invalid or expired refresh token');
    }
  });

  it('revokes the session on logout, and logging out again still succeeds', async () => {
    const session = await login(auth, alice);
    const sid = decodeJwt(session.accessToken).sid as string;
    const loggedOut = await auth.graphql(LOGOUT, { refreshToken: session.refreshToken });
    expect(loggedOut.data).toEqual({ logout: { success: true } });

    expect(errorCode(await refresh(session.refreshToken))).toBe('UNAUTHENTICATED');
    const again = await auth.graphql(LOGOUT, { refreshToken: session.refreshToken });
    expect(again.data).toEqual({ logout: { success: true } });

    const listed = await auth.graphql<{ _entities: { sessions: { id: string }[] }[] }>(
      USER_SESSIONS,
      { representations: [{ __typename: 'User', id: alice.id }] },
      { caller: { userId: alice.id, sessionId: null, permissions: [] } },
    );
    expect(listed.data!._entities[0]!.sessions.map((listedSession) => listedSession.id)).not.toContain(sid);
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
    }>(
      USER_SESSIONS,
      { representations: [{ __typename: 'User', id: carol.id }] },
      { caller: { userId: carol.id, sessionId: laptopSid, permissions: [] } },
    );
    expect(result.errors).toBeUndefined();
    const sessions = result.data!._entities[0]!.sessions;
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
          { caller: { userId: dave.id, sessionId: sid, permissions: [] } },
        )
      ).data!._entities[0]!.sessions[0]!;
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
      { caller: { userId: alice.id, sessionId: null, permissions: [] } },
    );
    expect(errorCode(result)).toBe('FORBIDDEN');
    expect(result.errors?.[0]?.path).toEqual(['_entities', 0, 'sessions']);
  });

  it("lists another user's sessions for a caller with auth.session.read", async () => {
    const grace = newUser('grace');
    auth.users.push(grace);
    const session = await login(auth, grace);
    const result = await auth.graphql<{ _entities: { sessions: { id: string; current: boolean }[] }[] }>(
      USER_SESSIONS,
      { representations: [{ __typename: 'User', id: grace.id }] },
      { caller: { userId: alice.id, sessionId: null, permissions: [Permission.AuthSessionRead] } },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!._entities[0]!.sessions).toEqual([
      expect.objectContaining({ id: decodeJwt(session.accessToken).sid, current: false }),
    ]);
  });

  it("refuses another user's sessions to a caller whose permissions lack auth.session.read", async () => {
    const result = await auth.graphql(
      USER_SESSIONS,
      { representations: [{ __typename: 'User', id: bob.id }] },
      { caller: { userId: alice.id, sessionId: null, permissions: [Permission.IdentityUserRead] } },
    );
    expect(errorCode(result)).toBe('FORBIDDEN');
  });

  it('refuses to list sessions for an anonymous caller', async () => {
    const result = await auth.graphql(USER_SESSIONS, { representations: [{ __typename: 'User', id: bob.id }] });
    expect(errorCode(result)).toBe('UNAUTHENTICATED');
  });

  it('refuses GraphQL without a gateway proof with 401', async () => {
    const result = await auth.graphql(LOGIN, { email: alice.email, password: alice.password }, { withoutProof: true });
    expect(result.status).toBe(401);
    expect(errorCode(result)).toBe('UNAUTHENTICATED');
  });

  it('revokes every other session of a user through the internal API', async () => {
    const erin = newUser('erin');
    auth.users.push(erin);
    const keep = await login(auth, erin);
    const other = await login(auth, erin);
    const third = await login(auth, erin);
    const keepSid = decodeJwt(keep.accessToken).sid as string;

    const response = await fetch(`${auth.url}/internal/sessions/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${auth.internalCredential}` },
      body: JSON.stringify({ userId: erin.id, exceptSessionId: keepSid, reason: 'password_changed' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ revoked: 2 });

    expect(errorCode(await refresh(other.refreshToken))).toBe('UNAUTHENTICATED');
    expect(errorCode(await refresh(third.refreshToken))).toBe('UNAUTHENTICATED');
    expect((await refresh(keep.refreshToken)).data?.refreshToken).toBeDefined();
  });

  it('revokes all sessions of a user when no session is excepted', async () => {
    const frank = newUser('frank');
    auth.users.push(frank);
    const session = await login(auth, frank);
    const response = await fetch(`${auth.url}/internal/sessions/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${auth.internalCredential}` },
      body: JSON.stringify({ userId: frank.id, exceptSessionId: null, reason: 'account_disabled' }),
    });
    expect(await response.json()).toEqual({ revoked: 1 });
    expect(errorCode(await refresh(session.refreshToken))).toBe('UNAUTHENTICATED');
  });

  it('refuses the internal API with a wrong credential (401) and a malformed body (400)', async () => {
    const wrong = await fetch(`${auth.url}/internal/sessions/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${'x'.repeat(40)}` },
      body: JSON.stringify({ userId: alice.id, exceptSessionId: null, reason: 'test' }),
    });
    expect(wrong.status).toBe(401);
    const missing = await fetch(`${auth.url}/internal/sessions/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: alice.id, exceptSessionId: null, reason: 'test' }),
    });
    expect(missing.status).toBe(401);

    for (const body of ['{"userId": 5}', '{"userId":"u","reason":"r"}', 'not json', '']) {
      const malformed = await fetch(`${auth.url}/internal/sessions/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${auth.internalCredential}` },
        body,
      });
      expect(malformed.status).toBe(400);
    }
    // Alice's sessions survived all of it.
    expect((await refresh((await login(auth, alice)).refreshToken)).data?.refreshToken).toBeDefined();
  });

  it('reports ready when the database answers', async () => {
    const response = await fetch(`${auth.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', checks: { database: true } });
  });

  it('never logs passwords or tokens', async () => {
    const session = await login(auth, alice);
    await refresh(session.refreshToken);
    const text = logs.lines().join('\n');
    expect(text).not.toContain(alice.password);
    expect(text).not.toContain(session.refreshToken);
    expect(text).not.toContain(session.accessToken);
  });
});
