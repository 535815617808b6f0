/** Media's field of `User`: the avatar's URL. Identity owns users; here a user is its id. */
import type { UserResolvers } from '../__generated__/resolvers-types.js';

export const User: UserResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),
  /** Batched: N users cost one query. Avatars are public, like the files they point at. */
  avatarUrl: async (user, _args, context) => {
    const file = await context.avatarByUserId.load(user.id);
    return file ? context.files.urlOf(file) : null;
  },
};
