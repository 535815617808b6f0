/** `Mutation.unassignRole`: takes a role from a user (idempotent); never the last admin's `admin`. */
import { Permission, requirePermission } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { normaliseUuid } from '../../domain/ids.js';

export const unassignRole: MutationResolvers['unassignRole'] = async (_parent, { input }, context) => {
  requirePermission(context, Permission.AuthzRoleAssign);
  await context.rbac.unassignRole(context.actor, input.userId, input.roleId);
  const userId = normaliseUuid(input.userId);
  context.rolesByUserId.clear(userId);
  context.permissionsByUserId.clear(userId);
  // The caller may read the roles they just changed (see requireAccessReadable).
  return { user: { id: userId, changedByCaller: true } };
};
