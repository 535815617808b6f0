/** Fields of `User` that are not plain columns, and entity resolution for other subgraphs. */
import type { UserResolvers } from '../__generated__/resolvers-types.js';

export const User: UserResolvers = {
  // Through the request's DataLoader: N references in one `_entities` call cost one query.
  __resolveReference: (reference, context) => context.userById.load(reference.id),
  emailVerified: (user) => user.emailVerifiedAt !== null,
};
