/** `Query.roles`: every role, by name. */
import { Permission, requirePermission } from '@platform/service-kit';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';

export const roles: QueryResolvers['roles'] = async (_parent, _args, context) => {
  requirePermission(context, Permission.AuthzRoleRead);
  const all = await context.stores.roles.list();
  for (const role of all) context.roleById.prime(role.id, role);
  return all;
};
