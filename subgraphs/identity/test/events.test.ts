/**
 * Identity's events (ADR 0002): every mutation that commits writes its event to the outbox
 * in the same transaction, with data the catalog accepts; one that fails writes nothing;
 * and the relay delivers what the outbox holds to the event bus.
 */
import { randomUUID } from 'node:crypto';
import { Permission } from '@platform/service-kit';
import type { CloudEvent, EventType } from '@platform/service-kit/events';
import { contractOperation, expectRelayed, outboxEvents, outboxSize, signedIn } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityPasswordHasher, seedIdentity } from '../src/subgraph.js';
import { REGISTER, startIdentity, type IdentityHarness } from './support.js';

const UPDATE_PROFILE = contractOperation('UpdateProfile');
const VERIFY_EMAIL = contractOperation('VerifyEmail');
const CHANGE_PASSWORD = contractOperation('ChangePassword');
const REQUEST_RESET = contractOperation('RequestPasswordReset');
const RESET_PASSWORD = contractOperation('ResetPassword');
const DELETE_USER = contractOperation('DeleteUser');

const ADMIN_ID = '00000000-0000-4000-8000-0000000000ad';
const admin = () => signedIn(ADMIN_ID, [Permission.IdentityUserRead, Permission.IdentityUserDelete]);

describe('identity events', () => {
  let identity: IdentityHarness;

  beforeAll(async () => {
    identity = await startIdentity();
  });
  afterAll(() => identity.stop());

  const outbox = (subject: string) => outboxEvents(identity, subject);
  const typesOf = async (subject: string) => (await outbox(subject)).map((event) => event.type);
  /** The user's one event of `type` after the registration, checking that the outbox holds nothing else. */
  async function eventAfterRegistration<T extends EventType>(userId: string, type: T): Promise<CloudEvent<T>> {
    const events = await outbox(userId);
    expect(events.map((event) => event.type)).toEqual(['platform.identity.user.registered.v1', type]);
    return events[1] as CloudEvent<T>;
  }

  it('registration writes user.registered with the request context, and nothing secret, and calls no other service', async () => {
    const user = await identity.register({ name: 'Event Ada' });
    // authz gives the default role from this event: registration does not call it.
    expect(identity.authz.callsFor(user.id)).toEqual([]);
    const [event, ...rest] = await outbox(user.id);
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      type: 'platform.identity.user.registered.v1',
      source: '/platform/identity',
      subject: user.id,
      data: {
        actorId: user.id,
        target: { type: 'user', id: user.id },
        userId: user.id,
        email: user.email,
        name: 'Event Ada',
        emailVerified: false,
      },
    });
    expect(event!.data.context.requestId).toEqual(expect.any(String));
    expect(JSON.stringify(event)).not.toContain(user.password);
  });

  it('a duplicate registration writes no event', async () => {
    const user = await identity.register();
    const before = await outboxSize(identity);
    const { body } = await identity.graphql(REGISTER, { email: user.email, password: 'another password', name: 'X' });
    expect(body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(await outboxSize(identity)).toBe(before);
    expect(await typesOf(user.id)).toEqual(['platform.identity.user.registered.v1']);
  });

  it('updateProfile writes user.updated with the new name, and nothing when the name stays', async () => {
    const user = await identity.register({ name: 'Old Name' });
    const renamed = await identity.graphql(UPDATE_PROFILE, { name: 'New Name' }, signedIn(user.id));
    expect(renamed.body.errors).toBeUndefined();
    await identity.graphql(UPDATE_PROFILE, { name: 'New Name' }, signedIn(user.id));
    const event = await eventAfterRegistration(user.id, 'platform.identity.user.updated.v1');
    expect(event.data).toMatchObject({
      actorId: user.id,
      userId: user.id,
      changedFields: ['name'],
      name: 'New Name',
    });
  });

  it('verifyEmail writes user.email_verified; a bad token writes nothing', async () => {
    const user = await identity.register();
    const bad = await identity.graphql(VERIFY_EMAIL, { token: 'not-a-token' });
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const token = await identity.mailToken(user.id, 'verify-email');
    const { body } = await identity.graphql(VERIFY_EMAIL, { token });
    expect(body.errors).toBeUndefined();
    const event = await eventAfterRegistration(user.id, 'platform.identity.user.email_verified.v1');
    expect(event.data).toMatchObject({ actorId: user.id, userId: user.id, email: user.email });
  });

  it("changePassword writes user.password_changed keeping the caller's session; a wrong current password writes nothing", async () => {
    const user = await identity.register();
    const sessionId = randomUUID();
    const caller = signedIn(user.id, [], sessionId);
    const wrong = await identity.graphql(
      CHANGE_PASSWORD,
      { currentPassword: 'not my password', newPassword: 'a brand new one' },
      caller,
    );
    expect(wrong.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await typesOf(user.id)).toEqual(['platform.identity.user.registered.v1']);

    const right = await identity.graphql(
      CHANGE_PASSWORD,
      { currentPassword: user.password, newPassword: 'a brand new one' },
      caller,
    );
    expect(right.body.errors).toBeUndefined();
    const event = await eventAfterRegistration(user.id, 'platform.identity.user.password_changed.v1');
    expect(event.data).toMatchObject({
      actorId: user.id,
      userId: user.id,
      otherSessionsRevoked: true,
      keptSessionId: sessionId,
    });
    expect(JSON.stringify(event)).not.toContain('a brand new one');
  });

  it('resetPassword writes user.password_reset; an invalid token writes nothing', async () => {
    const user = await identity.register();
    const invalid = await identity.graphql(RESET_PASSWORD, { token: 'nope', newPassword: 'reset and renewed' });
    expect(invalid.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    await identity.graphql(REQUEST_RESET, { email: user.email });
    const token = await identity.mailToken(user.id, 'reset-password');
    const { body } = await identity.graphql(RESET_PASSWORD, { token, newPassword: 'reset and renewed' });
    expect(body.errors).toBeUndefined();
    const event = await eventAfterRegistration(user.id, 'platform.identity.user.password_reset.v1');
    expect(event.data).toMatchObject({ actorId: user.id, userId: user.id, sessionsRevoked: true });
    expect(JSON.stringify(event)).not.toContain(token);
  });

  it('deleteUser writes user.deleted by the administrator; a refused deletion writes nothing', async () => {
    const lastAdmin = await identity.register();
    identity.authz.lastAdmins.add(lastAdmin.id);
    const refused = await identity.graphql(DELETE_USER, { id: lastAdmin.id }, admin());
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(await typesOf(lastAdmin.id)).toEqual(['platform.identity.user.registered.v1']);

    const user = await identity.register();
    const { body } = await identity.graphql(DELETE_USER, { id: user.id }, admin());
    expect(body.errors).toBeUndefined();
    const event = await eventAfterRegistration(user.id, 'platform.identity.user.deleted.v1');
    expect(event.data).toMatchObject({
      actorId: ADMIN_ID,
      target: { type: 'user', id: user.id },
      userId: user.id,
      reason: null,
    });
  });

  it('seeding the admin writes user.registered (verified, by the platform) once, and nothing when it exists', async () => {
    const passwords = await createIdentityPasswordHasher({
      ARGON2_MEMORY_KIB: 19456,
      ARGON2_ITERATIONS: 2,
      ARGON2_PARALLELISM: 1,
    });
    const adminEmail = `seeded.${Date.now()}@example.com`;
    const first = await seedIdentity(identity.db, passwords, { adminEmail, adminPassword: 'seeded admin password' });
    await seedIdentity(identity.db, passwords, { adminEmail, adminPassword: 'seeded admin password' });
    const events = await outbox(first.userId);
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({
      actorId: null,
      context: { requestId: null, traceId: null, ip: null, userAgent: null },
      email: adminEmail,
      emailVerified: true,
    });
  });

  it('the relay publishes outbox rows to the event bus, in order per user, and marks them published', async () => {
    const user = await identity.register();
    await identity.graphql(UPDATE_PROFILE, { name: 'Relayed Name' }, signedIn(user.id));
    await expectRelayed(identity, user.id, [
      'platform.identity.user.registered.v1',
      'platform.identity.user.updated.v1',
    ]);
  });
});
