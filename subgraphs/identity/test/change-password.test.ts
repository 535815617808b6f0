import { randomUUID } from 'node:crypto';
import { contractOperation, errorCode, eventually, outboxEvents, signedIn } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityHarness } from './support.js';

const CHANGE_PASSWORD = contractOperation('ChangePassword');
const PASSWORD_CHANGED = 'platform.identity.user.password_changed.v1';

describe('changePassword', () => {
  let identity: IdentityHarness;
  beforeAll(async () => {
    identity = await startIdentity();
  });
  afterAll(() => identity.stop());

  it('rejects a wrong current password with BAD_USER_INPUT on input.currentPassword and changes nothing', async () => {
    const user = await identity.register();
    const { body } = await identity.graphql(
      CHANGE_PASSWORD,
      { currentPassword: 'not my password', newPassword: 'a brand new one' },
      signedIn(user.id),
    );
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { 'input.currentPassword': 'is incorrect' },
    });
    expect((await identity.verifyCredentials({ email: user.email, password: user.password })).status).toBe(200);
    // Nothing for auth to revoke: the user's outbox holds the registration only.
    const outbox = await outboxEvents(identity, user.id);
    expect(outbox.map((event) => event.type)).toEqual(['platform.identity.user.registered.v1']);
  });

  it("changes the password and publishes password_changed, keeping the caller's session and revoking the others", async () => {
    const user = await identity.register();
    const sessionId = randomUUID();
    const { body } = await identity.graphql(
      CHANGE_PASSWORD,
      { currentPassword: user.password, newPassword: 'a brand new one' },
      signedIn(user.id, [], sessionId),
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.changePassword).toEqual({ success: true });
    const [event, ...more] = await eventually(() => {
      const mine = identity.published(PASSWORD_CHANGED).filter((published) => published.subject === user.id);
      return mine.length > 0 && mine;
    }, 'password_changed');
    expect(more).toEqual([]);
    expect(event!.data).toMatchObject({ userId: user.id, otherSessionsRevoked: true, keptSessionId: sessionId });
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
    expect(tooShort.body.errors?.[0]?.extensions?.fields).toEqual({
      'input.newPassword': 'must be at least 8 characters',
    });
    const same = await identity.graphql(
      CHANGE_PASSWORD,
      { currentPassword: user.password, newPassword: user.password },
      signedIn(user.id),
    );
    expect(same.body.errors?.[0]?.extensions?.fields).toEqual({
      'input.newPassword': 'must differ from the current password',
    });
  });

  it('refuses an anonymous caller with UNAUTHENTICATED', async () => {
    const result = await identity.graphql(CHANGE_PASSWORD, {
      currentPassword: 'whatever1',
      newPassword: 'whatever2',
    });
    expect(errorCode(result)).toBe('UNAUTHENTICATED');
  });
});

describe.each([
  { name: 'in memory', redis: false },
  { name: 'in Redis', redis: true },
])('changePassword throttled per user ($name)', ({ redis }) => {
  let identity: IdentityHarness;
  beforeAll(async () => {
    identity = await startIdentity({ redis });
  });
  afterAll(() => identity.stop());

  const verifications = async () => {
    const text = await (await fetch(`${identity.url}/metrics`)).text();
    return Number(/^password_verifications_total\{[^}]*target="account"[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
  };

  it('verifies at most five of twenty concurrent wrong current passwords, then refuses even the right one with RATE_LIMITED', async () => {
    const user = await identity.register();
    const caller = signedIn(user.id);
    const before = await verifications();
    const guesses = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        identity.graphql(
          CHANGE_PASSWORD,
          { currentPassword: `guess number ${index}`, newPassword: 'a brand new one' },
          caller,
        ),
      ),
    );
    const codes = guesses.map((guess) => errorCode(guess));
    expect(codes.filter((code) => code === 'BAD_USER_INPUT')).toHaveLength(5);
    expect(codes.filter((code) => code === 'RATE_LIMITED')).toHaveLength(15);
    expect((await verifications()) - before).toBe(5);

    const right = await identity.graphql(
      CHANGE_PASSWORD,
      { currentPassword: user.password, newPassword: 'a brand new one' },
      caller,
    );
    expect(errorCode(right)).toBe('RATE_LIMITED');
    expect(right.body.errors?.[0]?.message).toBe('Too many wrong current passwords: try again later');
    expect(right.body.errors?.[0]?.extensions?.retryAfter).toBeGreaterThan(0);
    // Unchanged, and another user is not affected.
    expect((await identity.verifyCredentials({ email: user.email, password: user.password })).status).toBe(200);
    const other = await identity.register();
    const changed = await identity.graphql(
      CHANGE_PASSWORD,
      { currentPassword: other.password, newPassword: 'a brand new one' },
      signedIn(other.id),
    );
    expect(changed.body.errors).toBeUndefined();
  });
});
