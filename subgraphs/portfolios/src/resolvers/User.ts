/** Portfolios' field of `User`: a user's own portfolios, for that user only. */
import { forbidden, requireUserId } from '@platform/service-kit';
import type { UserResolvers } from '../__generated__/resolvers-types.js';

export const User: UserResolvers = {
  // Identity owns users: here a user is their id.
  __resolveReference: (reference) => ({ id: reference.id }),
  portfolios: (user, _args, context) => {
    if (requireUserId(context) !== user.id) throw forbidden('Only the owner sees their portfolios');
    return context.stores.portfolios.listByOwner(user.id);
  },
};
