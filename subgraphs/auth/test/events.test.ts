/**
 * Auth's events (ADR 0002): a sign-in writes login.succeeded with its session in the
 * session's transaction; a refused one writes login.failed (and account.locked when it
 * locks the account) in a transaction of its own; replaying a spent refresh token writes
 * refresh_token.reuse_detected with the revoked session; every revoked session writes
 * session.revoked. Nothing is written for what did not happen, and the relay delivers.
 */
import { errorCode, expectRelayed, outboxEvents } from '@platform/devkit/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, LOGIN, LOGOUT, newUser, REFRESH, startAuth, type AuthHarness, type RefreshData } from './support.js';

const MAX_FAILURES = 3;

describe('auth events', () => {
  let auth: AuthHarness;

  beforeAll(async () => {
    auth = await startAuth({ env: { LOGIN_MAX_FAILURES: String(MAX_FAILURES), LOGIN_LOCK_SECONDS: '60' } });
  });
  afterAll(() => auth?.stop());

  const outbox = (subject: string) => outboxEvents(auth, subject);
  const typesOf = async (subject: string) => (await outbox(subject)).map((event) => event.type);
  const sessionIdOf = (accessToken: string) => decodeJwt(accessToken).sid as string;
  const refresh = (refreshToken: string) => auth.graphql<RefreshData>(REFRESH, { refreshToken });

  it('a sign-in writes login.succeeded with the new session and the client, and no token', async () => {
    const user = newUser('ok');
    auth.users.push(user);
    const session = await login(auth, user, { 'user-agent': 'EventTest/1.0' });
    const [event, ...rest] = await outbox(user.id);
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      type: 'platform.auth.login.succeeded.v1',
      source: '/platform/auth',
      subject: user.id,
      data: {
        actorId: user.id,
        target: { type: 'session', id: sessionIdOf(session.accessToken) },
        userId: user.id,
        sessionId: sessionIdOf(session.accessToken),
        outcome: 'success',
      },
    });
    const text = JSON.stringify(event);
    expect(text).not.toContain(session.refreshToken);
    expect(text).not.toContain(session.accessToken);
    expect(text).not.toContain(user.password);
  });

  it('a wrong password writes login.failed (no session, no secret); locking writes account.locked', async () => {
    const user = newUser('locked');
    auth.users.push(user);
    const key = user.email.toLowerCase();
    for (let attempt = 1; attempt <= MAX_FAILURES; attempt += 1) {
      const result = await auth.graphql(LOGIN, { email: user.email, password: `wrong ${attempt}` });
      expect(errorCode(result)).toBe('UNAUTHENTICATED');
    }
    // Refusals of a known account name it (actor, target and subject are the account).
    const events = await outbox(user.id);
    const failed = events.filter((event) => event.type === 'platform.auth.login.failed.v1');
    expect(failed).toHaveLength(MAX_FAILURES);
    expect(failed[0]!.data).toMatchObject({
      actorId: user.id,
      target: { type: 'user', id: user.id },
      userId: user.id,
      email: key,
      reason: 'invalid_credentials',
      outcome: 'failure',
    });
    expect(JSON.stringify(failed)).not.toContain('wrong 1');

    const locked = events.filter((event) => event.type === 'platform.auth.account.locked.v1');
    expect(locked).toHaveLength(1);
    expect(locked[0]!.data).toMatchObject({
      userId: user.id,
      failedAttempts: MAX_FAILURES,
      reason: 'too many failed sign-ins',
    });
    const lockedUntil = Date.parse((locked[0]!.data as { lockedUntil: string }).lockedUntil);
    expect(lockedUntil).toBeGreaterThan(Date.now() + 30_000);

    // Even the right password is refused while locked: login.failed with reason account_locked, no session.
    expect(errorCode(await auth.graphql(LOGIN, { email: user.email, password: user.password }))).toBe(
      'UNAUTHENTICATED',
    );
    const after = await outbox(user.id);
    expect(after.at(-1)!.data).toMatchObject({ reason: 'account_locked' });
    expect(after.filter((event) => event.type === 'platform.auth.login.succeeded.v1')).toEqual([]);
  });

  it('a refused sign-in for an unknown address names no account', async () => {
    const email = `nobody.${Date.now()}@example.test`;
    expect(errorCode(await auth.graphql(LOGIN, { email, password: 'whatever password' }))).toBe('UNAUTHENTICATED');
    const [failed] = await outbox(email);
    expect(failed!.data).toMatchObject({ actorId: null, userId: null, target: { type: 'user', id: email } });
  });

  it('logout writes session.revoked once; logging out again writes nothing', async () => {
    const user = newUser('logout');
    auth.users.push(user);
    const session = await login(auth, user);
    expect((await auth.graphql(LOGOUT, { refreshToken: session.refreshToken })).body.errors).toBeUndefined();
    expect((await auth.graphql(LOGOUT, { refreshToken: session.refreshToken })).body.errors).toBeUndefined();
    const events = await outbox(user.id);
    expect(events.map((event) => event.type)).toEqual([
      'platform.auth.login.succeeded.v1',
      'platform.auth.session.revoked.v1',
    ]);
    expect(events[1]!.data).toMatchObject({
      actorId: user.id,
      target: { type: 'session', id: sessionIdOf(session.accessToken) },
      sessionId: sessionIdOf(session.accessToken),
      reason: 'logout',
    });
  });

  it('a rotation writes nothing; replaying the spent token writes reuse_detected and session.revoked', async () => {
    const user = newUser('replay');
    auth.users.push(user);
    const session = await login(auth, user);
    const rotated = await refresh(session.refreshToken);
    expect(rotated.body.data?.refreshToken).toBeDefined();
    expect(await typesOf(user.id)).toEqual(['platform.auth.login.succeeded.v1']);

    expect(errorCode(await refresh(session.refreshToken))).toBe('UNAUTHENTICATED');
    const events = await outbox(user.id);
    expect(events.map((event) => event.type)).toEqual([
      'platform.auth.login.succeeded.v1',
      'platform.auth.refresh_token.reuse_detected.v1',
      'platform.auth.session.revoked.v1',
    ]);
    const sessionId = sessionIdOf(session.accessToken);
    expect(events[1]!.data).toMatchObject({ actorId: null, userId: user.id, sessionId, outcome: 'denied' });
    expect(events[2]!.data).toMatchObject({ sessionId, reason: 'refresh_token_reuse' });
    expect(JSON.stringify(events)).not.toContain(session.refreshToken);
  });

  it('the relay delivers the outbox to the event bus in order per key and marks the rows published', async () => {
    const user = newUser('relay');
    auth.users.push(user);
    const session = await login(auth, user);
    await auth.graphql(LOGOUT, { refreshToken: session.refreshToken });
    await expectRelayed(auth, user.id, ['platform.auth.login.succeeded.v1', 'platform.auth.session.revoked.v1']);
  });
});
