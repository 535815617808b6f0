import { contractOperation, eventually } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, uniqueEmail, type IdentityHarness } from './support.js';

const REQUEST_PASSWORD_RESET = contractOperation('RequestPasswordReset');
const RESET_PASSWORD = contractOperation('ResetPassword');

describe('password reset', () => {
  let identity: IdentityHarness;
  beforeAll(async () => {
    identity = await startIdentity();
  });
  afterAll(() => identity.stop());

  async function requestResetToken(email: string, userId: string): Promise<string> {
    const issued = identity.mailTokens(userId, 'reset-password').length;
    const { body } = await identity.graphql(REQUEST_PASSWORD_RESET, { email });
    expect(body).toEqual({ data: { requestPasswordReset: { success: true } } });
    return identity.mailToken(userId, 'reset-password', issued + 1);
  }

  it('answers the same for a known and an unknown address, and mails only the known one', async () => {
    const user = await identity.register();
    const unknown = uniqueEmail('nobody');
    const resetLinks = () =>
      identity.notifications.bodies.filter(
        (body) => typeof body.link === 'string' && body.link.includes('/reset-password?token='),
      ).length;
    const linksBefore = resetLinks();
    const known = await identity.graphql(REQUEST_PASSWORD_RESET, { email: ` ${user.email.toUpperCase()} ` });
    const missing = await identity.graphql(REQUEST_PASSWORD_RESET, { email: unknown });
    const malformed = await identity.graphql(REQUEST_PASSWORD_RESET, { email: 'not an email' });
    expect(known).toEqual({ status: 200, body: { data: { requestPasswordReset: { success: true } } } });
    expect(missing).toEqual(known);
    expect(malformed).toEqual(known);

    await identity.mailToken(user.id, 'reset-password');
    await eventually(
      () => identity.logs().find((line) => line.includes('password reset requested for an address without an account')),
      'the unknown address to be looked up',
    );
    expect(resetLinks()).toBe(linksBefore + 1);
    expect(identity.mailTokens(user.id, 'reset-password')).toHaveLength(1);
    // A link is a credential: it goes to notifications, never into the log.
    expect(identity.logs().filter((line) => line.includes('token='))).toEqual([]);
  });

  it('sets the new password with the token once and publishes password_reset, for auth to revoke every session', async () => {
    const user = await identity.register();
    const token = await requestResetToken(user.email, user.id);

    const { body } = await identity.graphql(RESET_PASSWORD, { token, newPassword: 'reset and renewed' });
    expect(body.errors).toBeUndefined();
    expect(body.data?.resetPassword).toEqual({ success: true });
    const resets = await eventually(() => {
      const mine = identity
        .published('platform.identity.user.password_reset.v1')
        .filter((event) => event.subject === user.id);
      return mine.length > 0 && mine;
    }, 'password_reset');
    expect(resets.map((event) => event.data)).toEqual([
      expect.objectContaining({ userId: user.id, sessionsRevoked: true }),
    ]);
    expect((await identity.verifyCredentials({ email: user.email, password: 'reset and renewed' })).status).toBe(200);
    expect((await identity.verifyCredentials({ email: user.email, password: user.password })).status).toBe(401);

    const again = await identity.graphql(RESET_PASSWORD, { token, newPassword: 'a second attempt' });
    expect(again.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { 'input.token': 'is invalid or expired' },
    });
  });

  it('refuses an expired reset token', async () => {
    const user = await identity.register();
    const token = await requestResetToken(user.email, user.id);
    await identity.db.raw("update user_tokens set expires_at = now() - interval '1 second' where user_id = ?", [
      user.id,
    ]);
    const { body } = await identity.graphql(RESET_PASSWORD, { token, newPassword: 'too late for this' });
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { 'input.token': 'is invalid or expired' },
    });
    expect((await identity.verifyCredentials({ email: user.email, password: user.password })).status).toBe(200);
  });

  it('issues reset tokens that expire after one hour', async () => {
    const user = await identity.register();
    await requestResetToken(user.email, user.id);
    const row = (await identity.db('user_tokens').where({ user_id: user.id, purpose: 'password_reset' }).first()) as {
      expires_at: Date;
      created_at: Date;
    };
    expect((row.expires_at.getTime() - row.created_at.getTime()) / 3_600_000).toBeCloseTo(1, 2);
  });

  it('rejects a new password that is too short without using up the token', async () => {
    const user = await identity.register();
    const token = await requestResetToken(user.email, user.id);
    const short = await identity.graphql(RESET_PASSWORD, { token, newPassword: 'short' });
    expect(short.body.errors?.[0]?.extensions?.fields).toEqual({
      'input.newPassword': 'must be at least 8 characters',
    });
    const valid = await identity.graphql(RESET_PASSWORD, { token, newPassword: 'long enough now' });
    expect(valid.body.data?.resetPassword).toEqual({ success: true });
  });

  it('makes older reset links useless once the password was reset', async () => {
    const user = await identity.register();
    const older = await requestResetToken(user.email, user.id);
    const newer = await requestResetToken(user.email, user.id);
    expect(newer).not.toBe(older);
    await identity.graphql(RESET_PASSWORD, { token: newer, newPassword: 'the newest password' });
    const { body } = await identity.graphql(RESET_PASSWORD, { token: older, newPassword: 'an older attempt' });
    expect(body.errors?.[0]?.extensions?.fields).toEqual({ 'input.token': 'is invalid or expired' });
  });
});
