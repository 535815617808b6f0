import { contractOperation, signedIn } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityHarness } from './support.js';

const VERIFY_EMAIL = contractOperation('VerifyEmail');

const ME = 'query Me { me { emailVerified } }';

describe('verifyEmail', () => {
  let identity: IdentityHarness;
  beforeAll(async () => {
    identity = await startIdentity();
  });
  afterAll(() => identity.stop());

  it('verifies the address with the token from the link, and only once', async () => {
    const user = await identity.register();
    const token = await identity.mailToken(user.id, 'verify-email');

    const first = await identity.graphql(VERIFY_EMAIL, { token });
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data?.verifyEmail).toEqual({ user: { id: user.id, emailVerified: true } });
    const me = await identity.graphql(ME, {}, signedIn(user.id));
    expect(me.body.data?.me).toEqual({ emailVerified: true });

    const second = await identity.graphql(VERIFY_EMAIL, { token });
    expect(second.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { 'input.token': 'is invalid or expired' },
    });
  });

  it('refuses an expired token', async () => {
    const user = await identity.register();
    const token = await identity.mailToken(user.id, 'verify-email');
    await identity.db.raw("update user_tokens set expires_at = now() - interval '1 second' where user_id = ?", [
      user.id,
    ]);
    const { body } = await identity.graphql(VERIFY_EMAIL, { token });
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { 'input.token': 'is invalid or expired' },
    });
    const me = await identity.graphql(ME, {}, signedIn(user.id));
    expect(me.body.data?.me).toEqual({ emailVerified: false });
  });

  it('refuses a token it never issued, and an empty one', async () => {
    for (const token of ['made-up-token', '', 'x'.repeat(1000)]) {
      const { body } = await identity.graphql(VERIFY_EMAIL, { token });
      expect(body.errors?.[0]?.extensions?.fields).toEqual({ 'input.token': 'is invalid or expired' });
    }
  });

  it('does not accept a password reset token as a verification token', async () => {
    const user = await identity.register();
    await identity.graphql(contractOperation('RequestPasswordReset'), { email: user.email });
    const resetToken = await identity.mailToken(user.id, 'reset-password');
    const { body } = await identity.graphql(VERIFY_EMAIL, { token: resetToken });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
