import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

/**
 * Ends the session of a refresh token. An unknown token is UNAUTHENTICATED; a known one
 * succeeds whatever its state (spent, expired, already logged out), so logout is idempotent
 * and says nothing about a session beyond the token's existence.
 */
export const logout: MutationResolvers['logout'] = async (_parent, { input }, context) => {
  await context.sessions.logout(input.refreshToken, context);
  return { success: true };
};
