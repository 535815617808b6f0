/** Fields of `Role` that are not plain columns, and entity resolution for other subgraphs. */
import type { RoleResolvers } from '../__generated__/resolvers-types.js';

export const Role: RoleResolvers = {
  // Through the request's DataLoader: N references in one `_entities` call cost one query.
  __resolveReference: (reference, context) => context.roleById.load(reference.id),
  /** Batched: listing N roles costs one query for all their permissions. */
  permissions: (role, _args, context) => context.permissionsByRoleId.load(role.id),
};
