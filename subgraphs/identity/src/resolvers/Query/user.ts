/** `Query.user`: any user by id, for callers allowed to read users. */
import { Permission, requirePermission } from '@platform/service-kit';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';

export const user: QueryResolvers['user'] = async (_parent, { id }, context) => {
  requirePermission(context, Permission.IdentityUserRead);
  // The loader answers null for ids that are not UUIDs without a query.
  return context.userById.load(id);
};
