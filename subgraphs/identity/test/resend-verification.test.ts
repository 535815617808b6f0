/**
 * `resendVerificationEmail` against identity with a recording stand-in for notifications: one
 * new link a minute and five an hour per account (the registration's counts), none for a
 * verified or unknown address, and the same answer whatever happened.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityHarness } from './support.js';

const RESEND = 'mutation ($email: String!) { resendVerificationEmail(input: { email: $email }) { success } }';

let identity: IdentityHarness;
beforeAll(async () => {
  identity = await startIdentity();
});
afterAll(() => identity?.stop());

/** Moves every verification link of the user back in time, as if issued that long ago. */
const age = (userId: string, interval: string) =>
  identity.db.raw(
    `update user_tokens set created_at = created_at - ?::interval where user_id = ? and purpose = 'email_verification'`,
    [interval, userId],
  );

const resend = async (email: string) => {
  const { body } = await identity.graphql(RESEND, { email });
  expect(body).toEqual({ data: { resendVerificationEmail: { success: true } } });
};

describe('resendVerificationEmail', () => {
  it('sends at most one link a minute and five an hour to one account', async () => {
    const user = await identity.register();
    await identity.mailToken(user.id, 'verify-email');

    await resend(user.email);
    await sleep(500);
    expect(identity.mailTokens(user.id, 'verify-email')).toHaveLength(1);

    // Four more, each a minute after the last: five links within the hour, the registration's included.
    for (let sent = 2; sent <= 5; sent += 1) {
      await age(user.id, '61 seconds');
      await resend(user.email);
      await identity.mailToken(user.id, 'verify-email', sent);
    }
    await age(user.id, '61 seconds');
    await resend(user.email);
    await sleep(500);
    expect(identity.mailTokens(user.id, 'verify-email')).toHaveLength(5);

    // An hour after them, a sixth.
    await age(user.id, '1 hour');
    await resend(user.email);
    await eventually(() => identity.mailTokens(user.id, 'verify-email').length === 6, 'the sixth link');
  });

  it('sends nothing for an unknown address, a verified account or a malformed address, with the same answer', async () => {
    const user = await identity.register();
    const token = await identity.mailToken(user.id, 'verify-email');
    const verified = await identity.graphql(
      'mutation ($token: String!) { verifyEmail(input: { token: $token }) { user { id } } }',
      { token },
    );
    expect(verified.body.errors).toBeUndefined();
    await age(user.id, '2 hours');

    await resend(user.email);
    await resend('nobody.here@example.test');
    await resend('not an address');
    await sleep(500);
    expect(identity.mailTokens(user.id, 'verify-email')).toHaveLength(1);
    const issued = await identity
      .db('user_tokens')
      .where({ user_id: user.id })
      .count<{ count: string }[]>('* as count');
    expect(Number(issued[0]!.count)).toBe(1);
  });
});
