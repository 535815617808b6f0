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
