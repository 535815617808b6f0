/** `Mutation.createRole`: a new role with its permissions. */
import { Permission, requirePermission } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const createRole: MutationResolvers['createRole'] = async (_parent, { input }, context) => {
  requirePermission(context, Permission.AuthzRoleWrite);
  const role = await context.rbac.createRole(context.actor, input);
  return { role };
};
