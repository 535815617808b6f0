import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

/** Signs in through identity's credential check and starts a session. */
export const login: MutationResolvers['login'] = async (_parent, { input }, context) => {
  const result = await context.sessions.login(input, context);
  return {
    accessToken: result.accessToken,
    refreshToken: result.refreshToken,
    expiresIn: result.expiresIn,
    tokenType: result.tokenType,
    // A reference: the gateway completes the user's fields from identity.
    user: { id: result.userId },
  };
};
