import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

/** Signs in through identity's credential check and starts a session. */
export const login: MutationResolvers['login'] = async (_parent, { input }, context) => {
  const result = await context.sessions.login(input, context);
  return {
    accessToken: result.accessToken,
    refreshToken: result.refreshToken,
    expiresIn: result.expiresIn,
    tokenType: result.tokenType,
    // The address comes with the credential check (the schema's @provides): a login's
    // `user { id email }` needs no second trip to identity; other fields come from there.
    user: { id: result.userId, email: result.email },
  };
};
