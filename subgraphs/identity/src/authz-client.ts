/**
 * The one call identity makes to authz and waits for: before an account is deleted, authz
 * removes the user's role assignments, and refuses when the user holds the last admin
 * assignment. The caller needs that answer, so it stays synchronous; everything authz does
 * after a registration or a deletion it learns from identity's events.
 *
 *   POST <AUTHZ_INTERNAL_URL>/internal/users/remove   { userId }  →  2xx | 409 (the last admin)
 */
import { InternalCallError, type InternalClient } from '@platform/service-kit';

/** Authz refused to remove the user's roles because they hold the last admin assignment. */
export class LastAdminError extends Error {
  constructor(readonly userId: string) {
    super('cannot remove the roles of the last admin');
    this.name = 'LastAdminError';
  }
}

export interface AuthzClient {
  /**
   * Removes every role assignment of the user. Throws {@link LastAdminError} when authz
   * refuses because the user is the last admin; any other failure throws as it is.
   */
  removeUser(userId: string, requestId: string): Promise<void>;
}

/** Calls authz's internal API through the kit's client for it (`internal('authz').client`). */
export function createAuthzClient(client: InternalClient): AuthzClient {
  return {
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
