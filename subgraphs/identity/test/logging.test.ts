import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation, signedIn } from '@platform/devkit/testing';
import { startIdentity, type IdentityHarness } from './support.js';

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
      contractOperation('ChangePassword'),
      { currentPassword: password, newPassword },
      signedIn(user.id),
    );
    await identity.graphql(contractOperation('RequestPasswordReset'), { email: user.email });
    const token = await identity.mailToken(user.id, 'reset-password');
    await identity.graphql(contractOperation('ResetPassword'), { token, newPassword: resetPassword });

    const text = identity.logs().join('\n');
    expect(text).toContain('user registered');
    expect(text).toContain('password reset');
    for (const secret of [password, newPassword, resetPassword, 'Wr0ng-Secret-Passw0rd', '$argon2id$']) {
      expect(text).not.toContain(secret);
    }
  });
});
