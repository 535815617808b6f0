/**
 * The auth service's internal API, as far as identity needs it: revoking a user's
 * sessions after the password changed. Behind an interface so tests can record calls.
 */
import { createInternalClient } from '@platform/service-kit';

export interface RevokeSessionsInput {
  userId: string;
  /** The session to keep (the caller's own), or null to revoke every session. */
  exceptSessionId: string | null;
  reason: string;
}

export interface SessionRevoker {
  /** `actorId`: who caused the revocation when not the user themselves (an administrator deleting them). */
  revokeSessions(input: RevokeSessionsInput, requestId: string, actorId?: string | null): Promise<void>;
}

/** Revokes sessions through `POST <authInternalUrl>/internal/sessions/revoke`. */
export function createAuthSessionRevoker(options: {
  authInternalUrl: string;
  credential: string;
  timeoutMs?: number;
}): SessionRevoker {
  const client = createInternalClient({
    // A trailing slash and a relative path keep any path prefix the URL has.
    baseUrl: options.authInternalUrl.endsWith('/') ? options.authInternalUrl : `${options.authInternalUrl}/`,
    credential: options.credential,
    timeoutMs: options.timeoutMs ?? 5000,
  });
  return {
    async revokeSessions(input, requestId, actorId) {
      await client.post('internal/sessions/revoke', actorId === undefined ? input : { ...input, actorId }, {
        requestId,
      });
    },
  };
}
