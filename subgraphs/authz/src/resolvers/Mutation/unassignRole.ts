/** `Mutation.unassignRole`: takes a role from a user (idempotent); never the last admin's `admin`. */
import { Permission, requirePermission } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { changedUser } from '../../context.js';

export const unassignRole: MutationResolvers['unassignRole'] = async (_parent, { input }, context) => {
  requirePermission(context, Permission.AuthzRoleAssign);
  await context.rbac.unassignRole(context.actor, input.userId, input.roleId);
  return { user: changedUser(context, input.userId) };
};
