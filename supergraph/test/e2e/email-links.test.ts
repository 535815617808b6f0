/**
 * Email verification and password reset through the gateway, with the links read from the
 * mail notifications sent to a real SMTP server (the devkit catcher on a free port).
 */
import { startMailCatcher, type MailCatcher } from '@platform/devkit/mail';
import { eventually } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../harness/operations.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { errorCodes, login, registerUser, uniqueEmail } from '../harness/users.js';

let platform: TestPlatform;
let catcher: MailCatcher;
beforeAll(async () => {
  catcher = await startMailCatcher();
  platform = await startTestPlatform({
    environment: { notifications: { SMTP_URL: catcher.url, JOBS_POLLING_INTERVAL_SECONDS: '0.5' } },
  });
}, 120_000);
afterAll(async () => {
  await platform?.stop();
  await catcher?.stop();
});

const PAGES: Record<string, string> = { email_verification: '/verify-email', password_reset: '/reset-password' };

/** The token of the newest mailed link of `purpose` to `email`, waiting for the mail. */
async function tokenFromMail(email: string, purpose: string): Promise<string> {
  return eventually(
    () => {
      const links = catcher
        .messagesTo(email)
        .map((mail) => /https?:\/\/\S+/.exec(mail.text)?.[0])
        .filter((link): link is string => link !== undefined && new URL(link).pathname === PAGES[purpose]);
      const link = links.at(-1);
      return link && new URL(link).searchParams.get('token')!;
    },
    `a ${purpose} mail to ${email}`,
    20_000,
  );
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
});
