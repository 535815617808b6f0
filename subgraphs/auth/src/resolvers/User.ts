/** `User` as auth sees it: a reference to identity's user, with the sessions auth owns. */
import { forbidden, Permission, requireUserId } from '@platform/service-kit';
import type { UserResolvers } from '../__generated__/resolvers-types.js';

export const User: UserResolvers = {
  // Auth holds no user data: a reference is the user, as far as auth is concerned.
  __resolveReference: (reference) => ({ id: reference.id }),

  /**
   * The gateway only lets signed-in callers reach this field (`@authenticated`); whose
   * sessions they may see is an object-level rule, so it lives here: their own, or anyone's
   * with `auth.session.read` (taken from the permissions the gateway proved).
   */
  sessions: async (user, _args, context) => {
    const callerId = requireUserId(context);
    if (callerId !== user.id && !context.caller.permissions.includes(Permission.AuthSessionRead)) {
      throw forbidden("Listing another user's sessions needs the auth.session.read permission");
    }
    return context.activeSessionsByUserId.load(user.id);
  },
};
