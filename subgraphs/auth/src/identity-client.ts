/**
 * Auth's client for identity's internal API. Identity owns users and password hashes;
 * auth only asks whether an email and password match, over a service credential.
 */
import { InternalCallError, type InternalClient } from '@platform/service-kit';
import { z } from 'zod';

/** Checks an email and password; null when they match no user (unknown user or wrong password). */
export interface CredentialsVerifier {
  /** The user's id and address as identity stores it, when they match. */
  verify(email: string, password: string, requestId: string): Promise<{ userId: string; email: string } | null>;
  /**
   * The id of the account with this address, or null: only asked after repeated failures
   * lock an address, to name the account in the account.locked event.
   */
  findUserId?(email: string, requestId: string): Promise<string | null>;
}

const lookupResponse = z.object({ userId: z.string().min(1).nullable() });

const verifiedResponse = z.object({ userId: z.string().min(1), email: z.string().min(1) });

/** Checks credentials through the kit's client for identity's internal API (`internal('identity').client`). */
export function createIdentityCredentialsVerifier(client: InternalClient): CredentialsVerifier {
  return {
    async verify(email, password, requestId) {
      try {
        const body = await client.post<unknown>('internal/credentials/verify', { email, password }, { requestId });
        const parsed = verifiedResponse.safeParse(body);
        if (!parsed.success) throw new Error('identity answered credentials/verify without a userId and email');
        return parsed.data;
      } catch (error) {
        // 401 is identity's single answer for an unknown user and a wrong password alike.
        if (error instanceof InternalCallError && error.status === 401) return null;
        throw error;
      }
    },
    async findUserId(email, requestId) {
      const body = await client.post<unknown>('internal/users/lookup', { email }, { requestId });
      const parsed = lookupResponse.safeParse(body);
      if (!parsed.success) throw new Error('identity answered users/lookup without a userId');
      return parsed.data.userId;
    },
  };
}
