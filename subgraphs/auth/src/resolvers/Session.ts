import type { SessionResolvers } from '../__generated__/resolvers-types.js';

export const Session: SessionResolvers = {
  /** The session of the access token making the request, as the gateway proved it. */
  current: (session, _args, context) => session.id === context.caller.sessionId,
};
