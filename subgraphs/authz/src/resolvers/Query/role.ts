/** `Query.role`: one role by id, or null. */
import { Permission, requirePermission } from '@platform/service-kit';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';

export const role: QueryResolvers['role'] = async (_parent, { id }, context) => {
  requirePermission(context, Permission.AuthzRoleRead);
  return context.roleById.load(id);
};
