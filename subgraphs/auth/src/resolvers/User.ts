import { forbidden, requireUserId } from '@platform/service-kit';
import type { UserResolvers } from '../__generated__/resolvers-types.js';

export const User: UserResolvers = {
  // Auth holds no user data: a reference is the user, as far as auth is concerned.
  __resolveReference: (reference) => ({ id: reference.id }),

  /** Only the user themselves may list their sessions. */
  sessions: async (user, _args, context) => {
    const callerId = requireUserId(context);
    if (callerId !== user.id) throw forbidden('You can only list your own sessions');
    return context.activeSessionsByUserId.load(user.id);
  },
};
