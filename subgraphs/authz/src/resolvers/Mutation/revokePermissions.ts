/** `Mutation.revokePermissions`: removes permissions from a role. */
import { Permission, requirePermission } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const revokePermissions: MutationResolvers['revokePermissions'] = async (_parent, { input }, context) => {
  requirePermission(context, Permission.AuthzRoleWrite);
  const role = await context.rbac.revokePermissions(context.actor, input.roleId, input.permissions);
  context.permissionsByRoleId.clear(role.id);
  return { role };
};
