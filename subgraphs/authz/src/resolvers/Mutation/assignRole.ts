/** `Mutation.assignRole`: gives a user a role (idempotent). */
import { Permission, requirePermission } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { changedUser } from '../../context.js';

export const assignRole: MutationResolvers['assignRole'] = async (_parent, { input }, context) => {
  requirePermission(context, Permission.AuthzRoleAssign);
  await context.rbac.assignRole(context.actor, input.userId, input.roleId);
  return { user: changedUser(context, input.userId) };
};
