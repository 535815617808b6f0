/**
 * `Mutation.deleteRole`: deletes a role, and with `cascade` its assignments. The gateway also
 * requires a recent sign-in (`@policy(policies: [["recent_authentication"]])`).
 */
import { Permission, requirePermission } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const deleteRole: MutationResolvers['deleteRole'] = async (_parent, { input }, context) => {
  requirePermission(context, Permission.AuthzRoleWrite);
  await context.rbac.deleteRole(context.actor, input.id, { cascade: input.cascade ?? false });
  context.roleById.clear(input.id);
  return { success: true };
};
