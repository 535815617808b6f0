import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

/** Rotates a refresh token: new tokens for the session, the old refresh token spent. */
export const refreshToken: MutationResolvers['refreshToken'] = async (_parent, { input }, context) =>
  context.sessions.refresh(input.refreshToken, context);
