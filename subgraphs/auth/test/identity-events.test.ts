/**
 * Identity's events end a user's sessions (see `src/identity-events.ts`): a password change
 * every session but the one that made it, a password reset and a deletion every session.
 * The events are published on the bus as identity's relay would; each is applied once, even
 * when it is delivered twice, with one session.revoked per session it ended.
 */
import { randomUUID } from 'node:crypto';
import { deadLetterTopic, type AnyCloudEvent } from '@platform/service-kit/events';
import { errorCode, eventually, outboxEvents, signedIn, userEvent } from '@platform/devkit/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  login,
  newUser,
  REFRESH,
  startAuth,
  USER_SESSIONS,
  type AuthHarness,
  type RefreshData,
  type TestUser,
} from './support.js';

const sessionIdOf = (accessToken: string) => decodeJwt(accessToken).sid as string;
function passwordChanged(
  user: TestUser,
  keptSessionId: string | null,
  options: { otherSessionsRevoked?: boolean; requestId?: string } = {},
) {
  return userEvent(
    'platform.identity.user.password_changed.v1',
    user.id,
    { otherSessionsRevoked: options.otherSessionsRevoked ?? true, keptSessionId },
    { actorId: user.id, requestId: options.requestId ?? 'req-password-changed' },
  );
}

function passwordReset(user: TestUser, sessionsRevoked = true) {
  return userEvent(
    'platform.identity.user.password_reset.v1',
    user.id,
    { sessionsRevoked },
    { actorId: user.id, requestId: 'req-password-reset' },
  );
}

function userDeleted(user: TestUser, actorId: string, requestId: string) {
  return userEvent('platform.identity.user.deleted.v1', user.id, { reason: null }, { actorId, requestId });
}

describe("auth on identity's events", () => {
  let auth: AuthHarness;

  beforeAll(async () => {
    auth = await startAuth();
  });
  afterAll(() => auth?.stop());

  const refresh = (refreshToken: string) => auth.graphql<RefreshData>(REFRESH, { refreshToken });
  // Asked once a session is known to have ended: refreshing a live session rotates its token.
  const refused = async (refreshToken: string) => errorCode(await refresh(refreshToken)) === 'UNAUTHENTICATED';

  /** The ids of the user's active sessions, as the user lists them (sorted). */
  async function sessionsOf(user: TestUser): Promise<string[]> {
    const { body } = await auth.graphql<{ _entities: { sessions: { id: string }[] }[] }>(
      USER_SESSIONS,
      { representations: [{ __typename: 'User', id: user.id }] },
      signedIn(user.id),
    );
    return body.data!._entities[0]!.sessions.map((session) => session.id).sort();
  }
  /** Waits until the user's sessions list is exactly `ids`: polling it changes nothing, unlike a refresh. */
  const sessionsBecome = (user: TestUser, ids: string[]) =>
    eventually(
      async () => JSON.stringify(await sessionsOf(user)) === JSON.stringify([...ids].sort()),
      `the sessions of ${user.email} to be ${ids.length === 0 ? 'none' : ids.join(', ')}`,
    );
  const signUp = (name: string) => {
    const user = newUser(name);
    auth.users.push(user);
    return user;
  };

  /** The session.revoked events auth wrote for `user`, oldest first. */
  async function revocations(user: TestUser) {
    return (await outboxEvents(auth, user.id, 'platform.auth.session.revoked.v1')).map((event) => event.data);
  }
  /**
   * The sessions have ended: their refresh tokens are refused, and auth wrote one
   * session.revoked for each of them (and for no other session), every one matching `expected`.
   */
  async function expectEnded(
    user: TestUser,
    sessions: { accessToken: string; refreshToken: string }[],
    expected: Record<string, unknown>,
  ) {
    for (const session of sessions) expect(await refused(session.refreshToken)).toBe(true);
    const revoked = await revocations(user);
    expect(revoked.map((event) => event.sessionId).sort()).toEqual(
      sessions.map((session) => sessionIdOf(session.accessToken)).sort(),
    );
    for (const event of revoked) expect(event).toMatchObject(expected);
  }
  const timesApplied = async (event: AnyCloudEvent) =>
    (await auth.db('processed_events').where({ consumer: 'auth', event_id: event.id })).length;

  /** The consumer's count of events it skipped as already applied. */
  async function duplicatesSkipped(): Promise<number> {
    const text = await (await fetch(`${auth.url}/metrics`)).text();
    const line = text.split('\n').find((candidate) => /^events_consumed_total\{.*outcome="duplicate"/.test(candidate));
    return line ? Number(line.split(' ').at(-1)) : 0;
  }

  it('a password change ends every other session of the user, keeping the one that made it, once even when delivered twice', async () => {
    const erin = signUp('erin');
    const keep = await login(auth, erin);
    const other = await login(auth, erin);
    const third = await login(auth, erin);
    const keepSid = sessionIdOf(keep.accessToken);

    expect(await sessionsOf(erin)).toHaveLength(3);

    const changed = passwordChanged(erin, keepSid);
    await auth.publish([changed, changed]);

    await sessionsBecome(erin, [keepSid]);
    await expectEnded(erin, [other, third], {
      actorId: erin.id,
      reason: 'password_changed',
      context: { requestId: 'req-password-changed', traceId: null, ip: null, userAgent: null },
    });
    expect((await refresh(keep.refreshToken)).body.data?.refreshToken).toBeDefined();
    expect(await timesApplied(changed)).toBe(1);
  });

  it('a password change delivered again later spares the sessions started since', async () => {
    const gwen = signUp('gwen');
    const before = await login(auth, gwen);
    const changed = passwordChanged(gwen, null);
    await auth.publish([changed]);
    await sessionsBecome(gwen, []);
    expect(await refused(before.refreshToken)).toBe(true);

    // Signed in again with the new password; then the bus delivers the change a second time.
    const after = await login(auth, gwen);
    const skipped = await duplicatesSkipped();
    await auth.publish([changed]);
    await eventually(async () => (await duplicatesSkipped()) > skipped, 'the redelivery to be skipped');

    expect(await sessionsOf(gwen)).toEqual([sessionIdOf(after.accessToken)]);
    expect((await refresh(after.refreshToken)).body.data?.refreshToken).toBeDefined();
    expect(await revocations(gwen)).toHaveLength(1);
  });

  it('a password reset ends every session of the user', async () => {
    const frank = signUp('frank');
    const session = await login(auth, frank);
    const phone = await login(auth, frank);
    expect(await sessionsOf(frank)).toHaveLength(2);

    const reset = passwordReset(frank);
    await auth.publish([reset, reset]);

    await sessionsBecome(frank, []);
    await expectEnded(frank, [session, phone], { actorId: frank.id, reason: 'password_reset' });
    expect(await timesApplied(reset)).toBe(1);
  });

  it("a deletion ends every session, one session.revoked each with the deleting administrator as actor and the request's id", async () => {
    const user = signUp('deleted');
    const first = await login(auth, user);
    const second = await login(auth, user);
    const adminId = '00000000-0000-4000-8000-0000000000ad';

    const deleted = userDeleted(user, adminId, 'req-revoke-all');
    await auth.publish([deleted, deleted]);

    await sessionsBecome(user, []);
    await expectEnded(user, [first, second], {
      actorId: adminId,
      reason: 'user_deleted',
      context: { requestId: 'req-revoke-all', traceId: null, ip: null, userAgent: null },
    });

    // Nothing left to revoke writes nothing: another deletion event (a retried deletion) adds no event.
    const again = userDeleted(user, adminId, 'req-revoke-again');
    await auth.publish([again]);
    await eventually(async () => (await timesApplied(again)) === 1, 'the second deletion to be applied');
    expect(await revocations(user)).toHaveLength(2);
  });

  it('ends no session for events that ask for none, nor for an event that fails validation', async () => {
    const alice = signUp('alice');
    const session = await login(auth, alice);
    const deadLettered: unknown[] = [];
    const dlq = await auth.eventTransport.subscribe({
      groupId: `dlq-${randomUUID()}`,
      topics: [deadLetterTopic('platform.identity')],
      handle: async (message) => {
        deadLettered.push(JSON.parse(message.value));
      },
    });
    try {
      const unchanged = passwordChanged(alice, null, { otherSessionsRevoked: false });
      const reset = passwordReset(alice, false);
      // A deletion whose user id is no uuid: the catalog refuses it, the consumer parks it.
      const malformed = {
        ...userDeleted(alice, alice.id, 'req-malformed'),
        data: { ...userDeleted(alice, alice.id, 'req-malformed').data, userId: 5 },
      } as unknown as AnyCloudEvent;
      await auth.publish([unchanged, reset, malformed]);

      await eventually(() => deadLettered.length === 1, 'the malformed event to be dead-lettered');
      expect(await timesApplied(unchanged)).toBe(1);
      expect(await timesApplied(reset)).toBe(1);
      // Alice's session survived all of it.
      expect((await refresh(session.refreshToken)).body.data?.refreshToken).toBeDefined();
      expect(await revocations(alice)).toEqual([]);
    } finally {
      await dlq.stop();
    }
  });
});
