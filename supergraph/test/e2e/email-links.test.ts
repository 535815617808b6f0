/**
 * Email verification and password reset through the gateway, with identity in
 * development mode, where the links that would be mailed are written to the log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../harness/operations.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { errorCodes, login, registerUser, uniqueEmail } from '../harness/users.js';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({ environment: { identity: { NODE_ENV: 'development' } } });
});
afterAll(() => platform.stop());

/** The token of the newest development mail link of `purpose` for `userId`, waiting for it briefly. */
async function tokenFromLog(userId: string, purpose: string): Promise<string> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const line = platform
      .logLines()
      .map((entry) => JSON.parse(entry) as { userId?: string; purpose?: string; link?: string })
      .filter((entry) => entry.userId === userId && entry.purpose === purpose && entry.link)
      .at(-1);
    if (line?.link) return new URL(line.link).searchParams.get('token')!;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no ${purpose} link logged for ${userId}`);
}

describe('mail links in development', () => {
  it('verifies an email once with the token from the link', async () => {
    const user = await registerUser(platform, 'verify');
    const token = await tokenFromLog(user.id, 'email_verification');
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

    const token = await tokenFromLog(user.id, 'password_reset');
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
