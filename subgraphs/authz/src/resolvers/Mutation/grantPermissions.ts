/** `Mutation.grantPermissions`: adds permissions to a role. */
import { Permission } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { requirePermission } from '../../domain/access.js';

export const grantPermissions: MutationResolvers['grantPermissions'] = async (_parent, { input }, context) => {
  requirePermission(context, Permission.AuthzRoleWrite);
  const role = await context.rbac.grantPermissions(context.actor, input.roleId, input.permissions);
  context.permissionsByRoleId.clear(role.id);
  return { role };
};
