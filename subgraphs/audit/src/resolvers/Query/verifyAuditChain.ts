/** `Query.verifyAuditChain`: recomputes the hash chain and reports the first entry that does not match. */
import { Permission, requirePermission } from '@platform/service-kit';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';

export const verifyAuditChain: QueryResolvers['verifyAuditChain'] = async (_parent, _args, context) => {
  requirePermission(context, Permission.AuditLogVerify);
  // Counted and, when broken, logged as an error by the chain monitor, like its scheduled runs.
  return context.verifyChain();
};
