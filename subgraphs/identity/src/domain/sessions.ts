/**
 * Signing a user out elsewhere after their password changed. The new password is already
 * stored when this runs (so a login with the old one cannot slip in after the revocation);
 * a failed revocation is therefore logged with the user and reason before it fails the request.
 */
import type { Logger } from '@platform/service-kit';
import type { RevokeSessionsInput, SessionRevoker } from '../auth-client.js';

export async function revokeSessionsAfterPasswordChange(
  dependencies: { sessions: SessionRevoker; logger: Logger; requestId: string },
  input: RevokeSessionsInput,
): Promise<void> {
  try {
    await dependencies.sessions.revokeSessions(input, dependencies.requestId);
  } catch (error) {
    dependencies.logger.error(
      { err: error, userId: input.userId, reason: input.reason },
      'the password was changed but the sessions could not be revoked',
    );
    throw error;
  }
}
