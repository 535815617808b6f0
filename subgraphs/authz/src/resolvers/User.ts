/**
 * Authz's fields of `User`: the user's roles and effective permissions. Identity owns
 * users; here a user is its id. The gateway requires a signed-in caller (`@authenticated`);
 * reading someone else's needs `authz.role.read`, checked here per object.
 */
import type { UserResolvers } from '../__generated__/resolvers-types.js';
import { requireAccessReadable } from '../domain/access.js';

export const User: UserResolvers = {
  // Authz holds no user data: the reference is the user as far as authz is concerned.
  __resolveReference: (reference) => ({ id: reference.id }),
  /** Batched: N users in one `_entities` call cost one query. */
  roles: (user, _args, context) => {
    requireAccessReadable(context, user);
    return context.rolesByUserId.load(user.id);
  },
  permissions: (user, _args, context) => {
    requireAccessReadable(context, user);
    return context.permissionsByUserId.load(user.id);
  },
};
