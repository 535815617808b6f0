/**
 * The authz service's internal API, as far as identity needs it: giving a new account the
 * default role, and removing a user's role assignments before the account is deleted.
 * Behind an interface so tests can record calls.
 *
 *   POST <AUTHZ_INTERNAL_URL>/internal/users/default-role   { userId }  →  2xx
 *   POST <AUTHZ_INTERNAL_URL>/internal/users/remove         { userId }  →  2xx | 409 (the last admin)
 */
import { createInternalClient, InternalCallError } from '@platform/service-kit';

/** Authz refused to remove the user's roles because they hold the last admin assignment. */
export class LastAdminError extends Error {
  constructor(readonly userId: string) {
    super('cannot remove the roles of the last admin');
    this.name = 'LastAdminError';
  }
}

export interface AuthzClient {
  /** Assigns the platform's default `user` role to a newly registered user. */
  assignDefaultRole(userId: string, requestId: string): Promise<void>;
  /**
   * Removes every role assignment of the user. Throws {@link LastAdminError} when authz
   * refuses because the user is the last admin; any other failure throws as it is.
   */
  removeUser(userId: string, requestId: string): Promise<void>;
}

/** Calls authz's internal API with identity's service credential. */
export function createAuthzClient(options: {
  authzInternalUrl: string;
  credential: string;
  timeoutMs?: number;
}): AuthzClient {
  const client = createInternalClient({
    // A trailing slash and a relative path keep any path prefix the URL has.
    baseUrl: options.authzInternalUrl.endsWith('/') ? options.authzInternalUrl : `${options.authzInternalUrl}/`,
    credential: options.credential,
    timeoutMs: options.timeoutMs ?? 5000,
  });
  return {
    async assignDefaultRole(userId, requestId) {
      await client.post('internal/users/default-role', { userId }, { requestId });
    },
    async removeUser(userId, requestId) {
      try {
        await client.post('internal/users/remove', { userId }, { requestId });
      } catch (error) {
        if (error instanceof InternalCallError && error.status === 409) throw new LastAdminError(userId);
        throw error;
      }
    },
  };
}
