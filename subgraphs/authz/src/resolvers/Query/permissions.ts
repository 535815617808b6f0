/** `Query.permissions`: the permission catalog, by code. */
import { Permission, requirePermission } from '@platform/service-kit';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';

export const permissions: QueryResolvers['permissions'] = async (_parent, _args, context) => {
  requirePermission(context, Permission.AuthzPermissionRead);
  return context.stores.permissions.list();
};
