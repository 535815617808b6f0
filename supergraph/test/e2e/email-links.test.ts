/**
 * Email verification and password reset through the gateway, with the links read from the
 * mail notifications sent to a real SMTP server (the devkit catcher on a free port); a new
 * verification link on request, throttled per account and answered the same for any address.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startMailCatcher, type MailCatcher } from '@platform/devkit/mail';
import { eventually } from '@platform/devkit/testing';
import { createDatabase, type Database } from '@platform/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../harness/operations.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { errorCodes, login, registerUser, uniqueEmail } from '../harness/users.js';

let platform: TestPlatform;
let catcher: MailCatcher;
let identityDb: Database;
beforeAll(async () => {
  catcher = await startMailCatcher();
  platform = await startTestPlatform({
    environment: { notifications: { SMTP_URL: catcher.url, JOBS_POLLING_INTERVAL_SECONDS: '0.5' } },
  });
  identityDb = createDatabase({ url: platform.environments.identity!.DATABASE_URL!, applicationName: 'email-links' });
}, 120_000);
afterAll(async () => {
  await identityDb?.destroy();
  await platform?.stop();
  await catcher?.stop();
});

const RESEND = /* GraphQL */ `
  mutation ResendVerificationEmail($email: String!) {
    resendVerificationEmail(input: { email: $email }) {
      success
    }
  }
`;

const PAGES: Record<string, string> = { email_verification: '/verify-email', password_reset: '/reset-password' };

/** The tokens of every mailed link of `purpose` to `email` so far, oldest first. */
const mailedTokens = (email: string, purpose: string): string[] =>
  catcher
    .messagesTo(email)
    .map((mail) => /https?:\/\/\S+/.exec(mail.text)?.[0])
    .filter((link): link is string => link !== undefined && new URL(link).pathname === PAGES[purpose])
    .map((link) => new URL(link).searchParams.get('token')!);

/** The token of the newest mailed link of `purpose` to `email`, waiting for the mail. */
async function tokenFromMail(email: string, purpose: string): Promise<string> {
  return eventually(() => mailedTokens(email, purpose).at(-1), `a ${purpose} mail to ${email}`, 20_000);
}

describe('mail links', () => {
  it('verifies an email once with the token from the link', async () => {
    const user = await registerUser(platform, 'verify');
    const token = await tokenFromMail(user.email, 'email_verification');
    const verified = await platform.graphql(contractOperation('VerifyEmail'), { token });
    expect(verified.body.data).toEqual({ verifyEmail: { user: { id: user.id, emailVerified: true } } });
    const again = await platform.graphql(contractOperation('VerifyEmail'), { token });
    expect(errorCodes(again)).toEqual(['BAD_USER_INPUT']);
  });

  it('answers a reset request the same for unknown and known addresses, and resets a known one once', async () => {
    const user = await registerUser(platform, 'reset');
    const known = await platform.graphql(contractOperation('RequestPasswordReset'), { email: user.email });
    const unknown = await platform.graphql(contractOperation('RequestPasswordReset'), { email: uniqueEmail('nobody') });
    expect(known.body).toEqual({ data: { requestPasswordReset: { success: true } } });
    expect(unknown.body).toEqual(known.body);

    const token = await tokenFromMail(user.email, 'password_reset');
    const reset = await platform.graphql(contractOperation('ResetPassword'), {
      token,
      newPassword: 'reset password 123',
    });
    expect(reset.body.data).toEqual({ resetPassword: { success: true } });
    await expect(login(platform, { email: user.email, password: 'reset password 123' })).resolves.toBeDefined();
    const reused = await platform.graphql(contractOperation('ResetPassword'), {
      token,
      newPassword: 'another password',
    });
    expect(errorCodes(reused)).toEqual(['BAD_USER_INPUT']);
  });

  it('resends a verification link at most once a minute, to unverified accounts only, answering every address alike', async () => {
    const user = await registerUser(platform, 'resend');
    const first = await tokenFromMail(user.email, 'email_verification');

    // Within a minute of the registration's link: the same answer as for an unknown address, and no mail.
    const throttled = await platform.graphql(RESEND, { email: user.email.toUpperCase() });
    const unknown = await platform.graphql(RESEND, { email: uniqueEmail('nobody') });
    expect(throttled.body).toEqual({ data: { resendVerificationEmail: { success: true } } });
    expect(unknown.body).toEqual(throttled.body);

    // A minute later (the link's issue time moved back): one new link, however often it is asked for.
    await identityDb('user_tokens')
      .where({ user_id: user.id, purpose: 'email_verification' })
      .update({ created_at: identityDb.raw("created_at - interval '2 minutes'") });
    await Promise.all([
      platform.graphql(RESEND, { email: user.email }),
      platform.graphql(RESEND, { email: user.email }),
    ]);
    await eventually(() => mailedTokens(user.email, 'email_verification').length >= 2, 'the resent link', 20_000);
    // Any third mail (the throttled request's, or the second of the pair) would be sent by now.
    await sleep(2000);
    const tokens = mailedTokens(user.email, 'email_verification');
    expect(tokens).toHaveLength(2);
    expect(tokens[1]).not.toBe(first);

    const verified = await platform.graphql(contractOperation('VerifyEmail'), { token: tokens[1] });
    expect(verified.body.data).toEqual({ verifyEmail: { user: { id: user.id, emailVerified: true } } });

    // Verified: nothing more is sent, whatever the throttle says.
    await identityDb('user_tokens')
      .where({ user_id: user.id, purpose: 'email_verification' })
      .update({ created_at: identityDb.raw("created_at - interval '2 hours'") });
    const again = await platform.graphql(RESEND, { email: user.email });
    expect(again.body).toEqual(throttled.body);
    await sleep(2000);
    expect(mailedTokens(user.email, 'email_verification')).toHaveLength(2);
  });
});
