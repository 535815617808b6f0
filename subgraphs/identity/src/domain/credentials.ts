/**
 * Checking an email and password, for the auth service's login. Unknown addresses cost a
 * verification against a dummy hash, so timing does not tell which accounts exist; a
 * password that matches a hash made with older parameters is rehashed with the current ones.
 */
import type { Logger } from '@platform/service-kit';
import type { UserStore } from '../stores/user-store.js';
import { emailProblem, normaliseEmail } from './email.js';
import type { PasswordHasher } from './passwords.js';

/** The user's id and address (as stored) when the email and password match an account; null otherwise. */
export async function checkCredentials(
  dependencies: { users: UserStore; passwords: PasswordHasher; logger: Logger },
  input: { email: string; password: string },
): Promise<{ userId: string; email: string } | null> {
  const { users, passwords, logger } = dependencies;
  const email = normaliseEmail(input.email);
  const credentials = emailProblem(email) === null ? await users.findCredentialsByEmail(email) : null;
  if (!credentials) {
    await passwords.verifyDummy(input.password);
    return null;
  }
  const check = await passwords.verify(credentials.passwordHash, input.password);
  if (!check.valid) return null;
  if (check.needsRehash) {
    try {
      const upgraded = await passwords.hash(input.password);
      await users.upgradePasswordHash(credentials.id, credentials.passwordHash, upgraded);
      logger.info({ userId: credentials.id }, 'password hash upgraded to the current argon2 parameters');
    } catch (error) {
      // The login itself succeeded; the upgrade is retried on the next one.
      logger.error({ err: error, userId: credentials.id }, 'could not upgrade a password hash');
    }
  }
  return { userId: credentials.id, email: credentials.email };
}
