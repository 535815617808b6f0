/** `Mutation.grantPermissions`: adds permissions to a role. */
import { Permission, requirePermission } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const grantPermissions: MutationResolvers['grantPermissions'] = async (_parent, { input }, context) => {
  requirePermission(context, Permission.AuthzRoleWrite);
  const role = await context.rbac.grantPermissions(context.actor, input.roleId, input.permissions);
  context.permissionsByRoleId.clear(role.id);
  return { role };
};
