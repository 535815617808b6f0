import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedIn, startIdentity, type IdentityHarness } from './support.js';

describe('logs', () => {
  let identity: IdentityHarness;
  beforeAll(async () => {
    identity = await startIdentity({ env: { LOG_LEVEL: 'trace' } });
  });
  afterAll(() => identity.stop());

  it('never contain a password during registration, login, a password change or a reset', async () => {
    const password = 'Sup3r-Secret-Passw0rd';
    const newPassword = 'An0ther-Secret-Passw0rd';
    const resetPassword = 'Th1rd-Secret-Passw0rd';
    const user = await identity.register({ password });
    await identity.verifyCredentials({ email: user.email, password });
    await identity.verifyCredentials({ email: user.email, password: 'Wr0ng-Secret-Passw0rd' });
    await identity.graphql(
      'mutation C($c: String!, $n: String!) { changePassword(input: { currentPassword: $c, newPassword: $n }) { success } }',
      { c: password, n: newPassword },
      signedIn(user.id),
    );
    await identity.graphql('mutation R($e: String!) { requestPasswordReset(input: { email: $e }) { success } }', {
      e: user.email,
    });
    const token = await identity.mailToken(user.id, 'reset-password');
    await identity.graphql(
      'mutation S($t: String!, $p: String!) { resetPassword(input: { token: $t, newPassword: $p }) { success } }',
      { t: token, p: resetPassword },
    );

    const text = identity.logs().join('\n');
    expect(text).toContain('user registered');
    expect(text).toContain('password reset');
    for (const secret of [password, newPassword, resetPassword, 'Wr0ng-Secret-Passw0rd', '$argon2id$']) {
      expect(text).not.toContain(secret);
    }
  });
});
